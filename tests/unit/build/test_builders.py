"""Builders: the choice table, the control machine's platform, what a builder has, and REAL builds of a
native addon from source (node-gyp with the local Node headers, offline) here and through a transport."""

import os
import subprocess
import time
from pathlib import Path

import pytest

from fleetctl.build.archive import pack_tree, unpack
from fleetctl.build.builders import (
    BuildHost, Builder, BuilderKind, BuilderTools, NoBuilder, check_builder, choose_builder, control_platform,
    parse_builder_tools, parse_node_platform, rebuild_on_control, rebuild_on_host,
)
from fleetctl.build.errors import BuildFailed
from fleetctl.build.tree import resolve
from fleetctl.domain import Platform
from fleetctl.transport import LocalTransport

from .npm_apps import ADDON_C, native_app

X86 = Platform("linux", "x86_64", "glibc", "108")
ARM = Platform("linux", "aarch64", "glibc", "108")
ARMV7_MUSL = Platform("linux", "armv7l", "musl", "115")
CONTROL, PI_BUILDER = Builder(BuilderKind.CONTROL), Builder(BuilderKind.HOST, "pi-builder")
NODEDIR = "/usr"  # nodesource's node 20 on this machine: /usr/include/node
# The lab tests' native app: its addon's hello() names the architecture it was compiled for.
NATIVE_HELLO = Path(__file__).resolve().parents[2] / "integration" / "apps" / "native-hello"


def test_a_platform_is_named_by_its_key():
    assert X86.key == str(X86) == "linux-x86_64-glibc-node108"
    assert ARMV7_MUSL.key == "linux-armv7l-musl-node115"


@pytest.mark.parametrize("platform, control, build_host, hosts, chosen", [
    (X86, X86, BuildHost("pi-builder", ARM), ["web1"], CONTROL),  # the control machine first, when it matches
    (ARM, X86, BuildHost("pi-builder", ARM), ["pi1", "pi2"], PI_BUILDER),  # then fleet_build_host
    (ARM, X86, None, ["pi1", "pi2"], Builder(BuilderKind.HOST, "pi1")),  # then the first host of the platform
    (ARM, None, None, ["pi1"], Builder(BuilderKind.HOST, "pi1")),  # a control machine without node
    (ARM, Platform("linux", "aarch64", "glibc", "115"), None, ["pi1"], Builder(BuilderKind.HOST, "pi1")),  # other ABI
    (ARM, Platform("linux", "aarch64", "musl", "108"), None, ["pi1"], Builder(BuilderKind.HOST, "pi1")),  # other libc
    (ARMV7_MUSL, X86, BuildHost("pi-builder", ARM), ["pi3"],
     NoBuilder("fleet_build_host pi-builder is linux-aarch64-glibc-node108, not linux-armv7l-musl-node115")),
    (ARM, X86, BuildHost("pi-builder", None), ["pi1"],
     NoBuilder("fleet_build_host pi-builder is a host without node, not linux-aarch64-glibc-node108")),
    (ARM, X86, None, [], NoBuilder("no builder for linux-aarch64-glibc-node108: the control machine is"
                                   " linux-x86_64-glibc-node108, and no fleet_build_host or host of that platform")),
])
def test_the_builder_for_a_platform(platform, control, build_host, hosts, chosen):
    assert choose_builder(platform, control, build_host, hosts) == chosen


def test_builder_names():
    assert (CONTROL.name, PI_BUILDER.name) == ("control", "pi-builder")


@pytest.mark.parametrize("line, platform", [
    ('{"os": "linux", "arch": "x64", "modules": "108", "glibc": "2.36"}', X86),
    ('{"os": "linux", "arch": "arm64", "modules": "108", "glibc": "2.31"}', ARM),
    ('{"os": "linux", "arch": "arm", "modules": "115", "glibc": null}', ARMV7_MUSL),
    ("not json", None),
    ('{"os": "linux"}', None),
])
def test_nodes_words_become_the_probes(line, platform):
    assert parse_node_platform(line) == platform


def test_the_control_machines_platform_from_its_node():
    modules = subprocess.run(["node", "-p", "process.versions.modules"], capture_output=True, text=True).stdout.strip()
    assert control_platform() == Platform("linux", os.uname().machine, "glibc", modules)


def test_what_a_builder_lacks_in_one_line():
    lab_host = parse_builder_tools("node v18.20.4\nnpm -\nmake -\ncxx -\npython3 /usr/bin/python3\nnodedir -\n"
                                   "headers -\n")
    assert lab_host == BuilderTools("v18.20.4", None, None, None, "/usr/bin/python3", None, None)
    assert lab_host.problem("server-1") == (
        "server-1: cannot build native addons: missing npm, make, a C++ compiler (c++, g++ or clang++), Node's"
        " headers (include/node/node_api.h and common.gypi; Debian: libnode-dev)")
    other_headers = BuilderTools("v20.11.1", "/usr/bin/npm", "/usr/bin/make", "/usr/bin/c++", "/usr/bin/python3",
                                 "/usr/local", "v18.19.0")
    assert other_headers.missing == ("Node's headers for v20.11.1 (those in /usr/local are v18.19.0)",)
    ready = BuilderTools("v20.11.1", "/usr/bin/npm", "/usr/bin/make", "/usr/bin/c++", "/usr/bin/python3", "/usr",
                         "v20.11.1")
    assert ready.missing == () and ready.problem("control") is None


def test_this_machine_is_a_builder():
    with LocalTransport("control") as transport:
        tools = check_builder(transport)
    assert tools.missing == () and tools.nodedir == NODEDIR
    assert tools.node == subprocess.run(["node", "-v"], capture_output=True, text=True).stdout.strip()


# --- real builds ----------------------------------------------------------------------


@pytest.fixture
def empty_home(tmp_path, monkeypatch) -> Path:
    """HOME with nothing in it: a header download would leave ~/.cache/node-gyp (or ~/.node-gyp) here."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("npm_config_cache", raising=False)
    return home


def assert_no_headers_downloaded(home: Path) -> None:
    assert not (home / ".cache" / "node-gyp").exists() and not (home / ".node-gyp").exists()
    assert sorted(path.name for path in home.iterdir()) == [".npm"]  # npm's logs, nothing else


def load_addon(artifact: bytes, folder: Path) -> str:
    """Unpack the artifact and call the addon from the app, as a host would."""
    unpack(artifact, folder)
    done = subprocess.run(["node", "-e", "process.stdout.write(require('hello-addon').hello())"], cwd=folder,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_native_addon_is_built_from_source_on_the_control_machine(tmp_path, empty_home):
    tree = resolve(native_app(tmp_path / "app"), tmp_path / "work")
    started = time.monotonic()
    artifact = rebuild_on_control(tree, NODEDIR)
    print(f"npm rebuild on control (node-gyp, one C file): {time.monotonic() - started:.2f}s")
    assert load_addon(artifact, tmp_path / "out") == "hello from C"
    assert (tmp_path / "out" / "node_modules" / "hello-addon" / "build" / "Release" / "hello.node").is_file()
    assert not (tmp_path / "app" / "node_modules").exists() and not (tmp_path / "app" / "addon" / "build").exists()
    assert_no_headers_downloaded(empty_home)


def test_the_lab_tests_native_app_builds_here_for_this_architecture(tmp_path, empty_home):
    artifact = rebuild_on_control(resolve(NATIVE_HELLO, tmp_path / "work"), NODEDIR)
    assert load_addon(artifact, tmp_path / "out") == os.uname().machine
    assert not (NATIVE_HELLO / "node_modules").exists() and not (NATIVE_HELLO / "addon" / "build").exists()
    assert_no_headers_downloaded(empty_home)


def test_a_compile_error_is_one_line_naming_the_builder(tmp_path, empty_home):
    tree = resolve(native_app(tmp_path / "app", ADDON_C + "int broken(\n"), tmp_path / "work")
    with pytest.raises(BuildFailed) as raised:
        rebuild_on_control(tree, NODEDIR)
    message = str(raised.value)
    assert message.startswith("control: npm rebuild failed: ") and "hello.c" in message and "error:" in message
    assert "\n" not in message


@pytest.fixture
def build_tmp(tmp_path, monkeypatch) -> Path:
    """The builder's temporary folder (TMPDIR, where mktemp makes the build folder), to see it removed."""
    folder = tmp_path / "builder-tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def test_a_host_builds_through_its_transport_with_build_release_sh(tmp_path, empty_home, build_tmp):
    tree_archive = pack_tree(resolve(native_app(tmp_path / "app"), tmp_path / "work"))
    started = time.monotonic()
    with LocalTransport("builder") as transport:
        artifact = rebuild_on_host(transport, tree_archive, NODEDIR)
    print(f"npm rebuild through the local transport: {time.monotonic() - started:.2f}s")
    assert load_addon(artifact, tmp_path / "out") == "hello from C"
    assert artifact == pack_tree(tmp_path / "out")  # packed again the reproducible way
    assert list(build_tmp.iterdir()) == []  # the build folder is gone
    assert_no_headers_downloaded(empty_home)


def test_a_host_build_that_fails_says_why_and_leaves_nothing(tmp_path, empty_home, build_tmp):
    tree_archive = pack_tree(resolve(native_app(tmp_path / "app", ADDON_C + "int broken(\n"), tmp_path / "work"))
    with LocalTransport("pi-builder") as transport, pytest.raises(BuildFailed) as raised:
        rebuild_on_host(transport, tree_archive, NODEDIR)
    assert str(raised.value).startswith("pi-builder: npm rebuild failed: ") and "error:" in str(raised.value)
    assert list(build_tmp.iterdir()) == []


def test_a_tree_that_is_no_archive_fails_on_the_host_and_leaves_nothing(build_tmp):
    with LocalTransport("pi-builder") as transport, pytest.raises(BuildFailed, match=r"^pi-builder: build failed: "):
        rebuild_on_host(transport, b"not a tar.gz", NODEDIR)
    assert list(build_tmp.iterdir()) == []

