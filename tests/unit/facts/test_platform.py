"""A host's platform (OS, userland arch, C library, Node ABI) and free disk: the probe's sections, their parsers,
and Facts.platform, on recorded outputs and on probe.sh run for real."""

import os
import shutil
import subprocess
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from fleetctl.domain import Platform
from fleetctl.facts import parse_probe, parsers, probe_script
from fleetctl.facts.sections import split_sections

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probe"
SHELLS = [["dash", "-s"], ["busybox", "sh", "-s"], ["bash", "--posix", "-s"]]
MIB = 1024 * 1024


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


# --- Platform ---------------------------------------------------------------------------


def test_a_platform_is_named_by_its_key():
    platform = Platform("linux", "armv7l", "musl", "115")
    assert platform.key == str(platform) == f"{platform}" == "linux-armv7l-musl-node115"
    assert Platform("linux", "x86_64", "glibc", "108").key == "linux-x86_64-glibc-node108"
    with pytest.raises(FrozenInstanceError):
        platform.arch = "aarch64"  # type: ignore[misc]


def test_platforms_differ_in_any_part_and_are_equal_otherwise():
    base = Platform("linux", "aarch64", "glibc", "108")
    assert base == Platform("linux", "aarch64", "glibc", "108") and len({base, Platform(*vars(base).values())}) == 1
    for other in (Platform("linux", "armv7l", "glibc", "108"), Platform("linux", "aarch64", "musl", "108"),
                  Platform("linux", "aarch64", "glibc", "115")):
        assert other != base and other.key != base.key


# --- the parsers ------------------------------------------------------------------------


def test_ostype_is_lowercased():
    assert parsers.parse_ostype("Linux\n") == "linux"
    assert parsers.parse_ostype("") is None


@pytest.mark.parametrize("loaders, libc", [
    ("link /lib64/ld-linux-x86-64.so.2", "glibc"),  # Debian, Ubuntu on x86_64
    ("link /lib/ld-linux-aarch64.so.1", "glibc"),  # Debian arm64
    ("link /lib/ld-linux-armhf.so.3", "glibc"),  # Raspberry Pi OS 32-bit
    ("file /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "glibc"),  # found only in the multiarch folder
    ("link /lib64/ld64.so.2", "glibc"),  # ppc64le
    ("file /lib/ld-musl-x86_64.so.1", "musl"),  # Alpine
    ("file /lib/ld-musl-armhf.so.1", "musl"),  # Alpine on a Pi
    # Alpine with gcompat: a glibc-named loader beside musl's own file.
    ("file /lib/ld-musl-x86_64.so.1\nfile /lib/ld-linux-x86-64.so.2", "musl"),
    # Debian with its musl package: musl's loader is a link into /lib/x86_64-linux-musl.
    ("link /lib/ld-musl-x86_64.so.1\nlink /lib64/ld-linux-x86-64.so.2", "glibc"),
    ("link /lib/ld-musl-x86_64.so.1", "musl"),  # musl's loader as a link, and no glibc (Void Linux's musl)
    ("", None),  # no loader: a static userland, or a host hiding /lib
    ("file /lib/ld-something-else.so.1", None),
])
def test_libc_from_the_loaders_found(loaders, libc):
    assert parsers.parse_libc(loaders) == libc


@pytest.mark.parametrize("body, free_mb", [
    ("/opt 20081666 4096\n", 20081666 * 4096 // MIB),
    ("/ 1000 1024", 0),  # less than a MiB
    ("/ 262144 4096", 1024),
    ("", None),  # stat -f failed (or is missing)
    ("/opt ? 4096", None),
])
def test_free_mb_from_stat_f(body, free_mb):
    assert parsers.parse_free_mb(body) == free_mb


# --- Facts.platform on recorded outputs -------------------------------------------------


@pytest.mark.parametrize("name, key", [
    ("alpine-vmware-no-detect-virt.txt", "linux-x86_64-musl-node115"),  # musl
    ("pi3-armv7l.txt", "linux-armv7l-glibc-node72"),  # armv7l, kept apart from aarch64
    ("pi4-aarch64.txt", "linux-aarch64-glibc-node108"),
    ("lab-pi-persona-captured-v2.txt", "linux-aarch64-glibc-node108"),
    ("docker-cgroup-v1-quota.txt", "linux-x86_64-glibc-node108"),
    ("x86-bare-metal.txt", "linux-x86_64-glibc-node115"),
])
def test_platform_of_recorded_hosts(name, key):
    facts = parse_probe(fixture(name))
    assert facts.platform is not None and facts.platform.key == key
    assert facts.platform == Platform(facts.os, facts.arch, facts.libc, facts.node_abi)


@pytest.mark.parametrize("name", ["kvm-vm.txt", "pi5-aarch64.txt", "lxc-system-container.txt"])
def test_a_host_without_node_has_no_platform_but_its_os_and_libc(name):
    facts = parse_probe(fixture(name))
    assert (facts.node_version, facts.node_abi, facts.platform) == (None, None, None)
    assert (facts.os, facts.libc) == ("linux", "glibc")


def test_a_host_whose_libc_is_unknown_has_no_platform():
    raw = fixture("pi4-aarch64.txt").replace("==> libc_loaders <==\nlink /lib/ld-linux-aarch64.so.1\n",
                                             "==> libc_loaders <==\n")
    facts = parse_probe(raw)
    assert facts.node_abi == "108" and facts.libc is None and facts.platform is None


def test_a_64_bit_kernel_with_a_32_bit_userland_is_an_armv7l_platform():
    raw = fixture("pi4-aarch64.txt").replace("==> long_bit <==\n64\n", "==> long_bit <==\n32\n")
    raw = raw.replace("link /lib/ld-linux-aarch64.so.1", "link /lib/ld-linux-armhf.so.3")
    facts = parse_probe(raw)
    assert (facts.kernel_arch, facts.platform.key) == ("aarch64", "linux-armv7l-glibc-node108")


def test_free_disk_of_recorded_hosts():
    # Recorded before the probe read free disk: not known, not guessed.
    assert parse_probe(fixture("pi4-aarch64.txt")).opt_free_mb is None
    raw = fixture("pi4-aarch64.txt").replace("==> libc_loaders <==", "==> opt_free <==\n/opt 2621440 4096\n"
                                             "==> libc_loaders <==")
    assert parse_probe(raw).opt_free_mb == 10240


# --- probe.sh for real ------------------------------------------------------------------


def run_probe(shell: list[str], script: str) -> str:
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    done = subprocess.run(shell, input=script, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", SHELLS)
def test_the_probe_reports_this_machines_platform_and_free_disk(shell):
    output = run_probe(shell, probe_script())
    sections, facts = split_sections(output), parse_probe(output)
    assert facts.os == Path("/proc/sys/kernel/ostype").read_text().strip().lower() == "linux"
    assert facts.libc == "glibc"  # the development machine runs Debian
    node_abi = subprocess.run(["node", "-p", "process.versions.modules"], capture_output=True, text=True).stdout
    assert facts.node_abi == node_abi.strip()
    assert facts.platform == Platform("linux", facts.arch, "glibc", node_abi.strip())
    folder = "/opt" if os.path.isdir("/opt") else "/"
    assert sections["opt_free"].split()[0] == folder
    disk = os.statvfs(folder)
    # Other work on the machine writes meanwhile: the same to within 1 GiB.
    assert abs(facts.opt_free_mb - disk.f_bavail * disk.f_frsize // MIB) < 1024


def test_free_disk_is_measured_on_root_where_there_is_no_opt(tmp_path):
    script = probe_script().replace("[ -d /opt ] && _dir=/opt", f"[ -d {tmp_path}/opt ] && _dir={tmp_path}/opt")
    assert script != probe_script()
    folder, free, block_size = split_sections(run_probe(SHELLS[0], script))["opt_free"].split()
    assert folder == "/" and int(free) > 0 and int(block_size) > 0


def probe_with_lib_in(root: Path) -> str:
    """probe.sh looking for dynamic loaders under root instead of /lib and /lib64."""
    script = probe_script()
    loaders = script.index("section libc_loaders")
    end = script.index("section opt_free")
    part = script[loaders:end].replace(" /lib", f" {root}/lib")
    assert part != script[loaders:end]
    return script[:loaders] + part + script[end:]


def _file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x7fELF")


def _link(path: Path, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def alpine_with_gcompat(root: Path) -> None:
    _file(root / "lib/ld-musl-x86_64.so.1")
    _link(root / "lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
    _file(root / "lib/ld-linux-x86-64.so.2")  # gcompat's loader: a program of its own


def debian_with_musl(root: Path) -> None:
    _file(root / "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    _link(root / "lib64/ld-linux-x86-64.so.2", str(root / "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
    _file(root / "lib/x86_64-linux-musl/libc.so")
    _link(root / "lib/ld-musl-x86_64.so.1", "x86_64-linux-musl/libc.so")  # as Debian's musl package has it


def multiarch_only(root: Path) -> None:
    _file(root / "lib/aarch64-linux-gnu/ld-linux-aarch64.so.1")
    _file(root / "lib/aarch64-linux-gnu/libc.so.6")


def dangling_musl_link(root: Path) -> None:
    _link(root / "lib/ld-musl-x86_64.so.1", "x86_64-linux-musl/libc.so")  # the musl package half removed


def nothing(root: Path) -> None:
    (root / "lib").mkdir()


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("layout, lines, libc", [
    (alpine_with_gcompat, ["file R/lib/ld-musl-x86_64.so.1", "file R/lib/ld-linux-x86-64.so.2"], "musl"),
    (debian_with_musl, ["link R/lib/ld-musl-x86_64.so.1", "link R/lib64/ld-linux-x86-64.so.2"], "glibc"),
    (multiarch_only, ["file R/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"], "glibc"),
    (dangling_musl_link, [], None),
    (nothing, [], None),
], ids=lambda value: getattr(value, "__name__", None))
def test_the_probe_finds_the_loaders_by_globs(shell, tmp_path, layout, lines, libc):
    root = tmp_path / "root"
    root.mkdir()
    layout(root)
    body = split_sections(run_probe(shell, probe_with_lib_in(root)))["libc_loaders"]
    assert body.replace(str(root), "R").splitlines() == lines
    assert parsers.parse_libc(body) == libc
