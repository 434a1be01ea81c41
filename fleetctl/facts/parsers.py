"""Pure parsers, one per probe section: raw text in, plain values out.

None means "not known on this host" (a missing file or tool); parsers never
raise on odd input except for the few facts a plan cannot do without
(hostname, architecture, CPUs, memory), which raise ProbeParseError.
"""

import posixpath
import re
from dataclasses import dataclass

from fleetctl.facts.sections import ProbeParseError

# `uname -m` spellings of the same architecture, mapped to one name.
ARCH_ALIASES = {
    "amd64": "x86_64",
    "x64": "x86_64",
    "arm64": "aarch64",
    "armv8b": "aarch64_be",
    "armhf": "armv7l",
    "i386": "i686",
    "i486": "i686",
    "i586": "i686",
}

# A 64-bit kernel can run a 32-bit userland (Raspberry Pi OS did for years):
# the binaries we ship must match the userland, which getconf LONG_BIT reports.
USERLAND_32_BIT = {"aarch64": "armv7l", "x86_64": "i686"}

# Memory limits at or above this are the kernel's way of saying "no limit":
# v1 prints PAGE_COUNTER_MAX * PAGE_SIZE, which is 9223372036854771712 on
# 64-bit kernels with 4 KiB pages and (2**31 - 1) * 4096 on 32-bit ones.
MEMORY_NO_LIMIT_FLOOR = (2**31 - 1) * 4096

MIB = 1024 * 1024


def parse_hostname(body: str) -> str:
    name = body.strip()
    if not name:
        raise ProbeParseError("probe output has no hostname")
    return name


def normalise_arch(machine: str) -> str:
    machine = machine.strip()
    return ARCH_ALIASES.get(machine, machine)


def parse_arch(uname_m: str, long_bit: str) -> tuple[str, str]:
    """(userland arch, kernel arch) from `uname -m` and `getconf LONG_BIT`."""
    kernel_arch = normalise_arch(uname_m)
    if not kernel_arch:
        raise ProbeParseError("probe output has no architecture (uname -m)")
    if long_bit.strip() == "32" and kernel_arch in USERLAND_32_BIT:
        return USERLAND_32_BIT[kernel_arch], kernel_arch
    return kernel_arch, kernel_arch


def count_cpu_list(cpu_list: str) -> int | None:
    """Count CPUs in a kernel list such as "0-3,6,8-9"; None if unreadable."""
    cpu_list = cpu_list.strip()
    if not cpu_list:
        return None
    total = 0
    for part in cpu_list.split(","):
        bounds = part.strip().split("-")
        try:
            if len(bounds) == 1:
                int(bounds[0])
                total += 1
            elif len(bounds) == 2:
                total += int(bounds[1]) - int(bounds[0]) + 1
            else:
                return None
        except ValueError:
            return None
    return total or None


def parse_cpus_online(cpu_online: str, nprocessors_onln: str) -> int:
    counted = count_cpu_list(cpu_online)
    if counted is not None:
        return counted
    if nprocessors_onln.strip().isdigit() and int(nprocessors_onln) > 0:
        return int(nprocessors_onln)
    raise ProbeParseError("probe output has no online CPU count")


def parse_cpus_allowed(body: str) -> int | None:
    """CPUs in the affinity mask, from the Cpus_allowed_list line."""
    _, _, cpu_list = body.partition(":")
    return count_cpu_list(cpu_list)


def parse_meminfo_mb(body: str) -> int:
    match = re.search(r"^MemTotal:\s*(\d+)\s*kB", body, re.MULTILINE)
    if not match:
        raise ProbeParseError("probe output has no MemTotal")
    return int(match.group(1)) // 1024


@dataclass(frozen=True)
class CgroupLimits:
    cpu_quota: float | None
    memory_limit_bytes: int | None


def _memory_limit(value: str) -> int | None:
    value = value.strip()
    if not value.isdigit():  # "max" (v2) or "-1"
        return None
    limit = int(value)
    return None if limit >= MEMORY_NO_LIMIT_FLOOR else limit


def _cpu_max_quota(value: str) -> float | None:
    """v2 cpu.max: "max 100000" (no limit) or "50000 100000" (half a CPU)."""
    fields = value.split()
    if len(fields) != 2 or not fields[0].isdigit() or not fields[1].isdigit():
        return None
    quota, period = int(fields[0]), int(fields[1])
    return quota / period if period > 0 else None


def _cfs_quota(quota: str | None, period: str | None) -> float | None:
    """v1 cpu.cfs_quota_us (-1 means no limit) over cpu.cfs_period_us."""
    if quota is None or period is None:
        return None
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:
        return None
    if quota_us <= 0 or period_us <= 0:
        return None
    return quota_us / period_us


def _smallest(values: list[float | int | None]) -> float | int | None:
    known = [value for value in values if value is not None]
    return min(known) if known else None


def parse_cgroup_limits(body: str) -> CgroupLimits:
    """The tightest CPU quota and memory limit over every listed cgroup level.

    Lines are "<directory>/<file>: <value>" for v2 cpu.max and memory.max and
    v1 cpu.cfs_quota_us, cpu.cfs_period_us and memory.limit_in_bytes.
    """
    files_by_dir: dict[str, dict[str, str]] = {}
    for line in body.splitlines():
        path, sep, value = line.partition(": ")
        if not sep:
            continue
        directory, name = posixpath.split(path)
        files_by_dir.setdefault(directory, {})[name] = value.strip()
    quotas: list[float | None] = []
    memory_limits: list[int | None] = []
    for files in files_by_dir.values():
        if "cpu.max" in files:
            quotas.append(_cpu_max_quota(files["cpu.max"]))
        quotas.append(_cfs_quota(files.get("cpu.cfs_quota_us"), files.get("cpu.cfs_period_us")))
        for name in ("memory.max", "memory.limit_in_bytes"):
            if name in files:
                memory_limits.append(_memory_limit(files[name]))
    return CgroupLimits(cpu_quota=_smallest(quotas), memory_limit_bytes=_smallest(memory_limits))


def parse_device_tree_model(body: str) -> str | None:
    return body.replace("\x00", "").strip() or None


def parse_cpuinfo(body: str) -> dict[str, str]:
    """The first value of each "key : value" line."""
    fields: dict[str, str] = {}
    for line in body.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def cpuinfo_model(cpuinfo: dict[str, str]) -> str | None:
    """The board model (Pi kernels add "Model"), else the CPU model name."""
    for key in ("Model", "model name", "Hardware", "Processor"):
        if cpuinfo.get(key):
            return cpuinfo[key]
    return None


def cpuinfo_has_hypervisor_flag(cpuinfo: dict[str, str]) -> bool:
    return "hypervisor" in cpuinfo.get("flags", "").split()


def parse_detect_virt(body: str) -> str | None:
    """systemd-detect-virt's answer ("kvm", "docker", "none"); None if it did not run."""
    return body.strip() or None


def parse_container_markers(body: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in body.splitlines() if line.strip())


def parse_first_line(body: str) -> str | None:
    lines = body.strip().splitlines()
    return lines[0].strip() if lines else None


# Container engines as they appear in cgroup paths of PID 1.
PID1_CGROUP_ENGINES = (
    ("/docker/", "docker"),
    ("/docker-", "docker"),
    ("/libpod-", "podman"),
    ("/kubepods", "kubernetes"),
    ("/lxc/", "lxc"),
    ("/lxc.payload", "lxc"),
    ("/containerd/", "containerd"),
)


def parse_pid1_cgroup(body: str) -> str | None:
    """The container engine named by PID 1's cgroup paths, if any."""
    for line in body.splitlines():
        path = line.split(":", 2)[-1]
        for fragment, engine in PID1_CGROUP_ENGINES:
            if fragment in path:
                return engine
    return None


def parse_labelled_files(body: str) -> dict[str, str]:
    """"/sys/class/dmi/id/sys_vendor: QEMU" lines as {"sys_vendor": "QEMU"}."""
    values: dict[str, str] = {}
    for line in body.splitlines():
        path, sep, value = line.partition(": ")
        if sep and value.strip():
            values[posixpath.basename(path)] = value.strip()
    return values


def _unquote_os_release(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
        if value and value[0] != "'":
            value = re.sub(r"\\([\\$\"`])", r"\1", value)
    return value


def parse_os_release(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = _unquote_os_release(value)
    return fields


def parse_systemd_pid1(pid1_comm: str, run_systemd_system: str) -> bool:
    """systemd renames PID 1 to "systemd"; /run/systemd/system is sd_booted()'s test,
    used when /proc/1 is hidden from us."""
    comm = pid1_comm.strip()
    if comm:
        return comm == "systemd"
    return run_systemd_system.strip() == "present"


def parse_systemctl_version(body: str) -> int | None:
    """"systemd 252 (252.22-1~deb12u1)" -> 252."""
    match = re.match(r"systemd (\d+)", body.strip())
    return int(match.group(1)) if match else None


def parse_systemd_version(systemctl_version: str, shared_library: str) -> int | None:
    """systemd's version from `systemctl --version`, else from the name of its shared library
    ("libsystemd-shared-252.so", "libsystemd-shared-255.4-1.fc40.so"), which the probe reads
    instead of starting systemctl."""
    version = parse_systemctl_version(systemctl_version)
    if version is not None:
        return version
    match = re.match(r"libsystemd-shared-(\d+)", shared_library.strip())
    return int(match.group(1)) if match else None


# What probe.sh's node -p prints (and the caller's, when node's files did not tell it all): three fields.
NODE_VERSIONS_EXPRESSION = 'process.versions.node+" "+process.versions.uv+" "+process.versions.modules'


@dataclass(frozen=True)
class NodeRuntime:
    """What `node -p` printed: Node's and libuv's versions, and the ABI native addons are built for."""

    node: str
    libuv: str | None
    abi: str  # process.versions.modules: "108" for Node 18, "115" for Node 20


def parse_node_versions(body: str) -> NodeRuntime | None:
    """"18.19.0 1.44.2 108" -> NodeRuntime("18.19.0", "1.44.2", "108"); None without node (or output that is
    not node's three fields)."""
    fields = body.strip().split()
    version = re.compile(r"^\d+\.\d+\.\d+$")
    if len(fields) == 3 and version.match(fields[0]) and version.match(fields[1]) and fields[2].isdigit():
        return NodeRuntime(*fields)
    return None


def parse_ostype(body: str) -> str | None:
    """The kernel's /proc/sys/kernel/ostype, lowercased: "Linux" -> "linux"."""
    return body.strip().lower() or None


# The dynamic loaders' names: musl's, and glibc's (ld64.so.* on ppc64le and s390x).
MUSL_LOADER = re.compile(r"^ld-musl-.+\.so\.1$")
GLIBC_LOADER = re.compile(r"^(ld-linux.*|ld64)\.so(\..+)?$")


def parse_libc(body: str) -> str | None:
    """"musl", "glibc" or None, from the loaders the probe found ("file PATH" or "link PATH" lines).

    Where both are found, one is an extra: musl's loader as a file of its own
    is the system's C library (Alpine, whose gcompat adds a glibc-named loader
    beside it); musl's loader as a link is a package added to a glibc system
    (Debian's musl links it into /lib/<triplet>-musl/).
    """
    musl = musl_file = glibc = False
    for line in body.splitlines():
        kind, _, path = line.strip().partition(" ")
        name = posixpath.basename(path)
        if MUSL_LOADER.match(name):
            musl = True
            musl_file = musl_file or kind == "file"
        elif GLIBC_LOADER.match(name):
            glibc = True
    if musl and (musl_file or not glibc):
        return "musl"
    return "glibc" if glibc else None


def parse_free_mb(body: str) -> int | None:
    """Free MiB for unprivileged users, from `stat -f -c '%n %a %S'`: "/opt 20081666 4096" (the folder, free
    blocks, block size) -> 78444; None when stat -f failed."""
    fields = body.strip().rsplit(maxsplit=2)
    if len(fields) != 3 or not fields[1].isdigit() or not fields[2].isdigit():
        return None
    return int(fields[1]) * int(fields[2]) // MIB
