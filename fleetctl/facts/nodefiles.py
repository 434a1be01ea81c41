"""What node is (its version, ABI and libuv's version), read from its files instead of starting it.

probe.sh prints two sections for a node the caller does not know yet:

- node_headers: the #define lines of node's own headers in its install prefix
  (include/node/node_version.h, and include/node/uv/version.h, which Node's
  installer copies only when node bundles libuv). Official tarballs, nvm, n and
  NodeSource's packages have them.
- node_packages: dpkg's records of nodejs, libnodeN and libuv1 where node is
  Debian's (or Ubuntu's) /usr/bin/node. Debian names the library package after
  process.versions.modules (libnode108 for Node 18: debian/rules reads
  NODE_MODULE_VERSION), links it to the system's libuv1 (whose version is then
  process.versions.uv), and versions nodejs by Node's own version.

node_from_files() answers only when these say everything node -p would, and agree;
otherwise None, and node is asked (fleetctl.facts.gather).
"""

import re
from dataclasses import dataclass

from fleetctl.facts.parsers import NodeRuntime

INSTALLED = "install ok installed"
_VERSION = re.compile(r"\d+\.\d+\.\d+")
_LIBNODE = re.compile(r"^libnode(\d+)$")
_LIBUV = re.compile(r"^libuv1[a-z0-9]*$")


@dataclass(frozen=True)
class NodeHeaders:
    node: str | None  # "20.20.2"; None when not said, or said of a pre-release (process.versions has "-pre")
    abi: str | None  # NODE_MODULE_VERSION
    bundled_libuv: str | None  # uv/version.h's release, when node bundles libuv


def parse_node_headers(body: str) -> NodeHeaders:
    """The node_headers section: "node_version.h: #define NODE_MAJOR_VERSION 20" lines.

    NODE_MODULE_VERSION is defined twice (an embedder's value, else the number): the number counts.
    """
    defines: dict[tuple[str, str], str] = {}
    for line in body.splitlines():
        label, _, define = line.partition(": ")
        fields = define.split()
        if len(fields) >= 3 and fields[0] == "#define" and fields[2].isdigit():
            defines.setdefault((label, fields[1]), fields[2])

    def release(label: str, name: str, released: str) -> str | None:
        """name: the define of each part, "{}" standing for MAJOR, MINOR and PATCH."""
        parts = [defines.get((label, name.format(part))) for part in ("MAJOR", "MINOR", "PATCH")]
        if defines.get((label, released)) != "1" or None in parts:
            return None
        return ".".join(part for part in parts if part is not None)

    return NodeHeaders(
        node=release("node_version.h", "NODE_{}_VERSION", "NODE_VERSION_IS_RELEASE"),
        abi=defines.get(("node_version.h", "NODE_MODULE_VERSION")),
        bundled_libuv=release("uv/version.h", "UV_VERSION_{}", "UV_VERSION_IS_RELEASE"),
    )


@dataclass(frozen=True)
class Package:
    name: str
    architecture: str
    status: str
    version: str
    depends: tuple[str, ...]  # the package names only

    @property
    def installed(self) -> bool:
        return self.status == INSTALLED


def parse_node_packages(body: str) -> list[Package]:
    """The node_packages section: dpkg records, each from its "Package:" line."""
    records: list[dict[str, str]] = []
    for line in body.splitlines():
        field, sep, value = line.partition(": ")
        if not sep:
            continue
        if field == "Package":
            records.append({})
        if records:
            records[-1][field] = value.strip()
    return [Package(record.get("Package", ""), record.get("Architecture", ""), record.get("Status", ""),
                    record.get("Version", ""), _names(record.get("Depends", ""))) for record in records]


def _names(depends: str) -> tuple[str, ...]:
    """"libc6 (>= 2.34), libnode108 (= 18.20.4+dfsg-1) | other" -> ("libc6", "libnode108", "other")."""
    return tuple(re.split(r"[\s(:]", item.strip(), maxsplit=1)[0]
                 for group in depends.split(",") for item in group.split("|") if item.strip())


def upstream_version(debian_version: str) -> str | None:
    """The upstream release in a Debian version: "1:18.20.4+dfsg-1~deb12u2" -> "18.20.4",
    "20.20.2-1nodesource1" -> "20.20.2", "16.13.2+really14.19.1~dfsg-1" -> "14.19.1"; None when none is there."""
    upstream = debian_version.split(":", 1)[-1].rsplit("-", 1)[0]
    upstream = upstream.rsplit("+really", 1)[-1]
    match = _VERSION.match(upstream)
    return match.group(0) if match else None


def _installed(packages: list[Package], name: str, architecture: str) -> Package | None:
    for package in packages:
        if package.name == name and package.installed and package.architecture in (architecture, "all"):
            return package
    return None


def _debian_node(packages: list[Package]) -> tuple[str, str, str | None] | None:
    """(version, ABI, the libuv package's version or None when node bundles libuv) of Debian's shared-library
    node; None when the records do not describe one whole."""
    nodejs = next((package for package in packages if package.name == "nodejs" and package.installed), None)
    if nodejs is None:
        return None
    libnode = next((name for name in nodejs.depends if _LIBNODE.match(name)), None)
    library = _installed(packages, libnode, nodejs.architecture) if libnode else None
    version = upstream_version(nodejs.version)
    if library is None or version is None:
        return None
    libuv_name = next((name for name in (*nodejs.depends, *library.depends) if _LIBUV.match(name)), None)
    if libuv_name is None:
        return version, _LIBNODE.match(libnode).group(1), None
    libuv = _installed(packages, libuv_name, nodejs.architecture)
    libuv_version = upstream_version(libuv.version) if libuv else None
    if libuv_version is None:
        return None
    return version, _LIBNODE.match(libnode).group(1), libuv_version


def node_from_files(headers: NodeHeaders, packages: list[Package]) -> NodeRuntime | None:
    """What node -p would print, when the headers and dpkg's records tell all of it and agree; else None."""
    debian = _debian_node(packages)
    if headers.node and headers.abi:
        if debian and (debian[0], debian[1]) != (headers.node, headers.abi):
            return None  # headers of another node than the packaged one
        node, abi = headers.node, headers.abi
    elif debian:
        node, abi = debian[0], debian[1]
    else:
        return None
    libuv = debian[2] if debian and debian[2] else headers.bundled_libuv  # the system's libuv, which node links
    return NodeRuntime(node, libuv, abi) if libuv else None
