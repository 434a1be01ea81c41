"""The parsers of probe.sh's sections, one at a time."""

import pytest

from fleetctl.facts import ProbeParseError
from fleetctl.facts import parsers

MIB = 1024 * 1024


@pytest.mark.parametrize(
    "machine, expected",
    [("amd64", "x86_64"), ("x86_64", "x86_64"), ("arm64", "aarch64"), ("aarch64", "aarch64"),
     ("armv7l", "armv7l"), ("armv6l", "armv6l"), ("i386", "i686")],
)
def test_normalise_arch(machine, expected):
    assert parsers.normalise_arch(machine) == expected


def test_64_bit_kernel_with_32_bit_userland_reports_the_userland():
    # Raspberry Pi OS shipped a 64-bit kernel under an armhf userland for years.
    assert parsers.parse_arch("aarch64\n", "32\n") == ("armv7l", "aarch64")
    assert parsers.parse_arch("aarch64\n", "") == ("aarch64", "aarch64")


@pytest.mark.parametrize(
    "cpu_list, expected",
    [("0-3", 4), ("0", 1), ("0-3,6,8-9", 7), ("3,17", 2), ("", None), ("garbage", None)],
)
def test_count_cpu_list(cpu_list, expected):
    assert parsers.count_cpu_list(cpu_list) == expected


def test_online_cpus_fall_back_to_getconf():
    assert parsers.parse_cpus_online("", "6") == 6
    with pytest.raises(ProbeParseError):
        parsers.parse_cpus_online("", "")


@pytest.mark.parametrize(
    "lines, quota, memory",
    [
        ("/sys/fs/cgroup/cpu.max: max 100000\n/sys/fs/cgroup/memory.max: max", None, None),
        ("/sys/fs/cgroup/cpu.max: 50000 100000", 0.5, None),
        ("/sys/fs/cgroup/cpu.max: 250000 100000", 2.5, None),
        ("/c/cpu.cfs_quota_us: -1\n/c/cpu.cfs_period_us: 100000", None, None),
        ("/c/cpu.cfs_quota_us: 25000\n/c/cpu.cfs_period_us: 50000", 0.5, None),
        # A quota with no period beside it says nothing.
        ("/c/cpu.cfs_quota_us: 25000", None, None),
        ("/m/memory.limit_in_bytes: 9223372036854771712", None, None),
        ("/m/memory.limit_in_bytes: 9223372036854775807", None, None),
        # 32-bit kernel's "no limit": (2**31 - 1) pages of 4 KiB.
        ("/m/memory.limit_in_bytes: 8796093018112", None, None),
        ("/m/memory.limit_in_bytes: 1073741824", None, 1073741824),
        # The tightest level wins, whichever it is.
        ("/a/b/memory.max: max\n/a/memory.max: 536870912\n/memory.max: 1073741824", None, 536870912),
        ("/a/b/cpu.max: 200000 100000\n/a/cpu.max: 150000 100000", 1.5, None),
        ("", None, None),
    ],
)
def test_cgroup_limits(lines, quota, memory):
    assert parsers.parse_cgroup_limits(lines) == parsers.CgroupLimits(quota, memory)


def test_os_release_unquotes_values():
    fields = parsers.parse_os_release('# comment\nNAME="Debian \\"GNU\\"/Linux"\nID=debian\nVERSION_ID=\'12\'\n')
    assert fields == {"NAME": 'Debian "GNU"/Linux', "ID": "debian", "VERSION_ID": "12"}


@pytest.mark.parametrize(
    "systemctl_version, library, expected",
    [
        ("systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT", "", 252),
        ("", "libsystemd-shared-252.so", 252),
        ("", "libsystemd-shared-255.4-1.fc40.so", 255),
        ("systemd 249 (249.11)", "libsystemd-shared-252.so", 249),  # systemctl, when it ran, says it
        ("", "libsystemd-shared-custom.so", None),
        ("", "", None),
    ],
)
def test_systemd_version_from_systemctl_or_the_shared_library_name(systemctl_version, library, expected):
    assert parsers.parse_systemd_version(systemctl_version, library) == expected


def test_systemd_pid1_falls_back_to_run_systemd_system_when_proc_1_is_hidden():
    assert parsers.parse_systemd_pid1("", "present") is True
    assert parsers.parse_systemd_pid1("init", "present") is False
    assert parsers.parse_systemd_pid1("systemd", "") is True


def test_node_versions():
    assert parsers.parse_node_versions("18.19.0 1.44.2 108\n") == parsers.NodeRuntime("18.19.0", "1.44.2", "108")
    assert parsers.parse_node_versions("") is None
    assert parsers.parse_node_versions("sh: node: not found") is None
    assert parsers.parse_node_versions("18.19.0 1.44.2 undefined") is None


def test_pid1_cgroup_engines():
    assert parsers.parse_pid1_cgroup("0::/lxc.payload.web/init.scope") == "lxc"
    assert parsers.parse_pid1_cgroup("1:name=systemd:/kubepods/besteffort/pod1/abc") == "kubernetes"
    assert parsers.parse_pid1_cgroup("0::/init.scope") is None


def test_device_tree_model_strips_nul():
    assert parsers.parse_device_tree_model("Raspberry Pi 4 Model B Rev 1.4\x00") == "Raspberry Pi 4 Model B Rev 1.4"


# --- the platform's sections: ostype, libc_loaders, opt_free ----------------------------


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
