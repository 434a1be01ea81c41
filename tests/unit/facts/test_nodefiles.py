"""What node is, from its headers and dpkg's records: recorded sections of real hosts, and the cases where the
files do not say it all (then None: node is asked)."""

from fleetctl.facts.nodefiles import (
    NodeHeaders, node_from_files, parse_node_headers, parse_node_packages, upstream_version,
)
from fleetctl.facts.parsers import NodeRuntime

# The lab's Debian 12 hosts (nodejs 18.20.4 with libnode108 and the system's libuv1), as probe.sh printed them.
BOOKWORM = """\
Package: libnode108
Status: install ok installed
Architecture: amd64
Version: 18.20.4+dfsg-1~deb12u2
Depends: libbrotli1 (>= 1.0.0), libc-ares2 (>= 1.18.1~), libc6 (>= 2.34), libgcc-s1 (>= 3.4), libicu72 (>= 72.1~rc-1~), libnghttp2-14 (>= 1.41.0), libssl3 (>= 3.0.0), libstdc++6 (>= 11), libuv1 (>= 1.44.1), zlib1g (>= 1:1.1.4), node-acorn (>= 6.2.1~), node-cjs-module-lexer (>= 1.2.2~), node-undici (>= 5.0.0~)
Package: libuv1
Status: install ok installed
Architecture: amd64
Version: 1.44.2-1+deb12u1
Depends: libc6 (>= 2.34)
Package: nodejs
Status: install ok installed
Architecture: amd64
Version: 18.20.4+dfsg-1~deb12u2
Depends: libc6 (>= 2.34), libnode108 (= 18.20.4+dfsg-1~deb12u2)
"""

# NodeSource's node 20 on the development machine: its headers (node_version.h, and uv/version.h of the
# libuv it bundles), as probe.sh printed them.
NODESOURCE_HEADERS = """\
node_version.h: #define NODE_MAJOR_VERSION 20
node_version.h: #define NODE_MINOR_VERSION 20
node_version.h: #define NODE_PATCH_VERSION 2
node_version.h: #define NODE_VERSION_IS_RELEASE 1
node_version.h: #define NODE_MODULE_VERSION NODE_EMBEDDER_MODULE_VERSION
node_version.h: #define NODE_MODULE_VERSION 115
uv/version.h: #define UV_VERSION_MAJOR 1
uv/version.h: #define UV_VERSION_MINOR 46
uv/version.h: #define UV_VERSION_PATCH 0
uv/version.h: #define UV_VERSION_IS_RELEASE 1
"""

# Debian's libnode-dev (the lab's builders): node_version.h without uv/version.h, as node links the system's libuv.
LIBNODE_DEV_HEADERS = """\
node_version.h: #define NODE_MAJOR_VERSION 18
node_version.h: #define NODE_MINOR_VERSION 20
node_version.h: #define NODE_PATCH_VERSION 4
node_version.h: #define NODE_VERSION_IS_RELEASE 1
node_version.h: #define NODE_MODULE_VERSION NODE_EMBEDDER_MODULE_VERSION
node_version.h: #define NODE_MODULE_VERSION 108
"""

NO_HEADERS = NodeHeaders(None, None, None)


def test_debian_node_from_its_packages():
    assert node_from_files(NO_HEADERS, parse_node_packages(BOOKWORM)) == NodeRuntime("18.20.4", "1.44.2", "108")


def test_node_from_headers_that_bundle_libuv():
    headers = parse_node_headers(NODESOURCE_HEADERS)
    assert headers == NodeHeaders("20.20.2", "115", "1.46.0")
    assert node_from_files(headers, []) == NodeRuntime("20.20.2", "1.46.0", "115")


def test_debian_headers_agree_with_the_packages_and_the_system_libuv_is_the_one():
    headers = parse_node_headers(LIBNODE_DEV_HEADERS)
    assert headers == NodeHeaders("18.20.4", "108", None)
    assert node_from_files(headers, parse_node_packages(BOOKWORM)) == NodeRuntime("18.20.4", "1.44.2", "108")


def test_headers_without_libuv_and_without_packages_say_too_little():
    assert node_from_files(parse_node_headers(LIBNODE_DEV_HEADERS), []) is None


def test_headers_of_another_node_than_the_packaged_one_say_nothing():
    assert node_from_files(parse_node_headers(NODESOURCE_HEADERS), parse_node_packages(BOOKWORM)) is None


def test_a_pre_release_says_nothing_of_its_version():
    # process.versions of such a build carry "-pre": node is asked instead.
    headers = parse_node_headers(NODESOURCE_HEADERS.replace("NODE_VERSION_IS_RELEASE 1", "NODE_VERSION_IS_RELEASE 0")
                                 .replace("UV_VERSION_IS_RELEASE 1", "UV_VERSION_IS_RELEASE 0"))
    assert headers == NodeHeaders(None, "115", None)
    assert node_from_files(headers, []) is None


def test_trixie_links_the_time64_libuv():
    trixie = (BOOKWORM.replace("libnode108", "libnode115").replace("18.20.4+dfsg-1~deb12u2", "20.19.2+dfsg-1")
              .replace("libuv1 (>= 1.44.1)", "libuv1t64 (>= 1.48.0)")
              .replace("Package: libuv1\n", "Package: libuv1t64\n").replace("1.44.2-1+deb12u1", "1.48.0-7"))
    assert node_from_files(NO_HEADERS, parse_node_packages(trixie)) == NodeRuntime("20.19.2", "1.48.0", "115")


def test_records_that_are_not_all_installed_say_nothing():
    assert node_from_files(NO_HEADERS, parse_node_packages(BOOKWORM.replace(
        "Package: libuv1\nStatus: install ok installed", "Package: libuv1\nStatus: deinstall ok config-files"))) is None
    assert node_from_files(NO_HEADERS, parse_node_packages(BOOKWORM.replace(
        "Package: nodejs\nStatus: install ok installed", "Package: nodejs\nStatus: install ok unpacked"))) is None
    without_library = "\n".join(BOOKWORM.splitlines()[5:]) + "\n"
    assert node_from_files(NO_HEADERS, parse_node_packages(without_library)) is None


def test_the_library_and_libuv_of_nodes_architecture_count():
    # Multiarch: an arm64 libuv1 beside the amd64 one, listed first.
    foreign = "Package: libuv1\nStatus: install ok installed\nArchitecture: arm64\nVersion: 9.9.9-1\n"
    assert node_from_files(NO_HEADERS, parse_node_packages(foreign + BOOKWORM)) == \
        NodeRuntime("18.20.4", "1.44.2", "108")


def test_a_static_nodejs_package_without_headers_says_nothing():
    # NodeSource's nodejs bundles libuv and depends on no libnode: its version alone is not enough.
    nodesource = ("Package: nodejs\nStatus: install ok installed\nArchitecture: amd64\n"
                  "Version: 20.20.2-1nodesource1+repack1\nDepends: libc6 (>= 2.28), python3\n")
    assert node_from_files(NO_HEADERS, parse_node_packages(nodesource)) is None
    assert node_from_files(parse_node_headers(NODESOURCE_HEADERS), parse_node_packages(nodesource)) == \
        NodeRuntime("20.20.2", "1.46.0", "115")


def test_upstream_versions():
    assert upstream_version("18.20.4+dfsg-1~deb12u2") == "18.20.4"
    assert upstream_version("1:18.20.4+dfsg-1") == "18.20.4"
    assert upstream_version("20.20.2-1nodesource1+repack1") == "20.20.2"
    assert upstream_version("16.13.2+really14.19.1~dfsg-1") == "14.19.1"
    assert upstream_version("1.44.2-1+deb12u1") == "1.44.2"
    assert upstream_version("20~rc1-1") is None
