"""Who builds a native tree for a platform, what a builder has, and the build itself.

The build is `npm rebuild` in a resolved tree: it runs the packages' install
scripts, node-gyp included, against the Node headers the builder has
(npm_config_nodedir), offline: a builder never downloads headers or packages.
On the control machine it runs here; on a build host, build-release.sh runs it
in a private temporary folder that is removed whatever happens, and the built
tree comes back over the transport. Either way the artifact is packed the same
reproducible way.
"""

import functools
import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from fleetctl.build.archive import pack_tree, unpack
from fleetctl.build.errors import BuildFailed
from fleetctl.domain import Platform
from fleetctl.remote import BuildExit, script
from fleetctl.transport import Transport, TransportError

NPM_REBUILD = ("npm", "rebuild")
BUILD_TIMEOUT = 1800.0  # an emulated or small builder compiles slowly
CHECK_TIMEOUT = 60.0
# process.arch -> the userland architecture as the probe names it (uname -m, normalised).
NODE_ARCH = {"x64": "x86_64", "arm64": "aarch64", "arm": "armv7l", "ia32": "i686"}
# The control machine's platform, as one line of JSON. The report's header names the glibc the
# process runs with; musl has none. Its network section is left out: it can wait on DNS.
PLATFORM_SCRIPT = """\
process.report.excludeNetwork = true;
const header = process.report.getReport().header;
console.log(JSON.stringify({os: process.platform, arch: process.arch, modules: process.versions.modules,
                            glibc: header.glibcVersionRuntime || null}));
"""


def rebuild_environment(nodedir: str) -> dict[str, str]:
    """npm's settings for a build: local headers, never the network (build-release.sh sets the same)."""
    return {"npm_config_nodedir": nodedir, "npm_config_offline": "true", "npm_config_update_notifier": "false"}


class BuilderKind(StrEnum):
    CONTROL = "control"  # the machine fleetctl runs on
    HOST = "host"  # an inventory host


@dataclass(frozen=True)
class Builder:
    kind: BuilderKind
    host: str | None = None  # the inventory host, for a HOST builder

    @property
    def name(self) -> str:
        """As messages name it: "control", or the host's name."""
        return self.host if self.kind is BuilderKind.HOST and self.host else str(self.kind)


@dataclass(frozen=True)
class NoBuilder:
    reason: str


@dataclass(frozen=True)
class BuildHost:
    """The host fleet_build_host names, and its platform (None: it has no node, or it was not probed)."""

    name: str
    platform: Platform | None


def choose_builder(platform: Platform, control_platform: Platform | None, build_host: BuildHost | None,
                   hosts_of_platform: Sequence[str]) -> Builder | NoBuilder:
    """The first that applies: the control machine when its platform is this one; the fleet_build_host
    (which must be of this platform); the first host of the platform in the rollout."""
    if control_platform == platform:
        return Builder(BuilderKind.CONTROL)
    if build_host is not None:
        if build_host.platform == platform:
            return Builder(BuilderKind.HOST, build_host.name)
        return NoBuilder(f"fleet_build_host {build_host.name} is {build_host.platform or 'a host without node'},"
                         f" not {platform}")
    if hosts_of_platform:
        return Builder(BuilderKind.HOST, hosts_of_platform[0])
    return NoBuilder(f"no builder for {platform}: the control machine is {control_platform or 'without node'},"
                     " and no fleet_build_host or host of that platform")


@functools.cache
def control_platform() -> Platform | None:
    """This machine's platform, from the node on its PATH (None without one). Asked once per process."""
    try:
        done = subprocess.run(["node", "-e", PLATFORM_SCRIPT], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_node_platform(done.stdout) if done.returncode == 0 else None


def parse_node_platform(text: str) -> Platform | None:
    """PLATFORM_SCRIPT's line -> the Platform, named as the probe names a host's."""
    try:
        seen = json.loads(text)
        return Platform(str(seen["os"]), NODE_ARCH.get(seen["arch"], str(seen["arch"])),
                        "glibc" if seen["glibc"] else "musl", str(seen["modules"]))
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class BuilderTools:
    """What builder-check.sh found on a builder (None: missing)."""

    node: str | None  # its version, "v20.11.1"
    npm: str | None
    make: str | None
    cxx: str | None
    python3: str | None
    nodedir: str | None  # the folder npm_config_nodedir names: its include/node holds Node's headers
    headers: str | None  # their version

    @property
    def missing(self) -> tuple[str, ...]:
        """What a build would lack, in words for a message; empty: it can build."""
        lacking = [name for name, found in (("node", self.node), ("npm", self.npm), ("make", self.make)) if not found]
        if not self.cxx:
            lacking.append("a C++ compiler (c++, g++ or clang++)")
        if not self.python3:
            lacking.append("python3")
        if not self.nodedir:
            lacking.append("Node's headers (include/node/node_api.h and common.gypi; Debian: libnode-dev)")
        elif self.node and self.headers and _major(self.headers) != _major(self.node):
            lacking.append(f"Node's headers for {self.node} (those in {self.nodedir} are {self.headers})")
        return tuple(lacking)

    def problem(self, builder: str) -> str | None:
        """One line saying why `builder` cannot build native addons, or None when it can."""
        return f"{builder}: cannot build native addons: missing {', '.join(self.missing)}" if self.missing else None


def parse_builder_tools(text: str) -> BuilderTools:
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        found[name] = None if value.strip() in ("", "-") else value.strip()
    return BuilderTools(**{name: found.get(name) for name in BuilderTools.__dataclass_fields__})


def check_builder(transport: Transport, timeout: float = CHECK_TIMEOUT) -> BuilderTools:
    """Run builder-check.sh on the builder (as its login user: builds never need root)."""
    done = transport.run(script=script("builder-check.sh"), timeout=timeout, become=False)
    if not done.ok:
        raise BuildFailed(f"{transport.name}: builder check failed: {_last_line(done.stderr, done.exit_code)}")
    return parse_builder_tools(done.stdout)


def rebuild_on_control(tree: Path, nodedir: str, timeout: float = BUILD_TIMEOUT) -> bytes:
    """Build a resolved tree here, in place (a copy fleetctl owns), and pack it: the artifact."""
    try:
        done = subprocess.run(NPM_REBUILD, cwd=tree, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **rebuild_environment(nodedir)})
    except FileNotFoundError:
        raise BuildFailed("control: npm is not installed") from None
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"control: npm rebuild timed out after {timeout:g}s") from None
    if done.returncode != 0:
        raise BuildFailed.from_npm("control", "npm rebuild", done.stderr)
    return pack_tree(tree)


def rebuild_on_host(transport: Transport, tree_archive: bytes, nodedir: str, timeout: float = BUILD_TIMEOUT) -> bytes:
    """Upload a resolved tree to the builder, build it there with build-release.sh, and bring the artifact back."""
    made = transport.run(["mktemp", "-d"], become=False)
    if not made.ok:
        raise BuildFailed(f"{transport.name}: cannot make a build folder: {_last_line(made.stderr, made.exit_code)}")
    folder = made.stdout.strip()
    try:
        # Readable by the login user even when become writes it as root.
        transport.put(tree_archive, f"{folder}/tree.tar.gz", mode=0o644, timeout=timeout)
        done = transport.run([folder, nodedir], script=script("build-release.sh"), timeout=timeout, become=False)
        if done.exit_code == BuildExit.NPM_FAILED:
            raise BuildFailed.from_npm(transport.name, "npm rebuild", done.stderr)
        if not done.ok:
            raise BuildFailed(f"{transport.name}: build failed: {_last_line(done.stderr, done.exit_code)}")
        built = transport.get(done.stdout.strip(), timeout=timeout)
    finally:
        try:
            transport.run(["rm", "-rf", "--", folder], become=False)
        except TransportError:
            pass  # the connection is gone: the error that matters is the one already raised
    return _repacked(built)


def _repacked(archive: bytes) -> bytes:
    """The builder's tar.gz packed again the reproducible way, whatever tar the builder has."""
    with tempfile.TemporaryDirectory(prefix="fleetctl-artifact-") as folder:
        unpack(archive, Path(folder))
        return pack_tree(Path(folder))


def _major(version: str) -> str:
    return version.lstrip("v").split(".")[0]


def _last_line(stderr: str, exit_code: int) -> str:
    return (stderr.strip().splitlines() or [f"exit code {exit_code}"])[-1]
