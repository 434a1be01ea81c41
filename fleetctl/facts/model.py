"""The facts about one host, as the decision table sees them."""

from dataclasses import asdict, dataclass
from typing import Any

from fleetctl.domain import Platform

KINDS = ("pi", "container", "vm", "server")


@dataclass(frozen=True)
class Facts:
    hostname: str
    # Userland architecture, normalised (x86_64, aarch64, armv7l, ...): the one
    # a Node.js binary must match. kernel_arch is what `uname -m` said.
    arch: str
    kernel_arch: str
    os: str | None  # "linux": the kernel's ostype, lowercased
    libc: str | None  # "glibc" or "musl", from the dynamic loaders found
    cpus_online: int
    cpus_affinity: int | None
    cpu_quota: float | None
    # The smallest of online CPUs, the affinity mask and the cgroup quota.
    cpus_effective: float
    memory_total_mb: int
    memory_limit_mb: int | None
    memory_effective_mb: int
    # Free MiB for unprivileged users on the file system holding /opt (else /), where releases are unpacked.
    opt_free_mb: int | None
    model: str | None
    virt_vm: str | None
    virt_container: str | None
    os_id: str | None
    os_version: str | None
    os_pretty: str | None
    systemd_pid1: bool
    systemd_version: int | None
    node_version: str | None
    libuv_version: str | None
    # Node's process.versions.modules: the ABI its native addons must be built for ("108" for Node 18).
    node_abi: str | None
    kind: str
    kind_evidence: str
    # The slice whose cgroup the CPU quota and memory limit were read from (the app's service runs there),
    # None when they are the probe's own (no systemd as PID 1).
    service_slice: str | None = None

    @property
    def platform(self) -> Platform | None:
        """What a release's native addons must be built for here; None when node or the C library is unknown
        (no artifact can be chosen for such a host)."""
        if not (self.os and self.libc and self.node_abi):
            return None
        return Platform(self.os, self.arch, self.libc, self.node_abi)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class NodeVersions:
    """Node.js and libuv versions and the ABI of one node binary, known by its identity (stat of node and libuv)."""

    identity: str
    node: str
    libuv: str | None
    # process.versions.modules ("" in a cache written before it).
    modules: str = ""

    @property
    def complete(self) -> bool:
        """Enough to stand in for starting node: without the ABI a host would have no platform."""
        return bool(self.identity and self.node and self.modules)


@dataclass(frozen=True)
class KnownVirt:
    """systemd-detect-virt's answers ("none", "kvm", "docker"...) and the machine on one host, for as long as
    its key holds.

    key: the host's boot id and its PID 1's start time. A VM's hypervisor cannot
    change without a reboot, nor a container's engine without a new PID 1.
    """

    key: str
    vm: str
    container: str  # "" when the probe read the container from its marker file instead (probe.sh container_from_files)
    # uname -m and getconf LONG_BIT, as unchanging under the same key ("" in a cache written before them).
    uname_m: str = ""
    long_bit: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.key and self.vm and self.uname_m)
