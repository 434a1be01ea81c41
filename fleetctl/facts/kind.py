"""What kind of host this is (pi, container, vm, server) and the evidence for it.

Order of precedence, first match wins:

1. A Raspberry Pi model (device tree, else /proc/cpuinfo) -> pi. A Pi model
   wins even inside a container: what matters for tuning is the board, and the
   lab's pi persona is a container given a Pi device tree. The inventory's
   fleet_kind overrides this when it is wrong.
2. A container -> container.
3. A virtual machine -> vm.
4. Otherwise -> server.

systemd-detect-virt is trusted when it ran. The fallbacks (container marker
files, /proc/1/cgroup, DMI, the cpuinfo hypervisor flag) are only for hosts
without it: /proc/1/cgroup in particular still shows the outer engine's paths
in a VM-like container under cgroup v1, where systemd-detect-virt knows better.
"""

from dataclasses import dataclass, replace

from fleetctl.facts.model import KINDS, Facts

# DMI vendor or product names that only virtual machines report.
DMI_HYPERVISORS = (
    ("QEMU", "qemu"),
    ("KVM", "kvm"),
    ("VMware", "vmware"),
    ("VirtualBox", "oracle"),
    ("innotek", "oracle"),
    ("Xen", "xen"),
    ("Microsoft Corporation", "microsoft"),
    ("Amazon EC2", "amazon"),
    ("Google Compute Engine", "google"),
    ("Parallels", "parallels"),
    ("Bochs", "bochs"),
    ("OpenStack", "kvm"),
    ("BHYVE", "bhyve"),
)

MARKER_ENGINES = {"/.dockerenv": "docker", "/run/.containerenv": "podman"}


@dataclass(frozen=True)
class Detected:
    """One virtualization answer and why we believe it (name None = none found)."""

    name: str | None
    evidence: str


@dataclass(frozen=True)
class VirtSignals:
    detect_virt_vm: str | None  # None when systemd-detect-virt did not run
    detect_virt_container: str | None
    run_systemd_container: str | None
    container_markers: tuple[str, ...]
    pid1_cgroup_engine: str | None
    dmi: dict[str, str]
    hypervisor_flag: bool


def detect_container(signals: VirtSignals) -> Detected:
    if signals.detect_virt_container is not None:
        answer = signals.detect_virt_container
        return Detected(None if answer == "none" else answer, f"systemd-detect-virt --container: {answer}")
    if signals.run_systemd_container:
        return Detected(signals.run_systemd_container, f"/run/systemd/container: {signals.run_systemd_container}")
    for marker in signals.container_markers:
        if marker in MARKER_ENGINES:
            return Detected(MARKER_ENGINES[marker], f"{marker} exists")
    if signals.pid1_cgroup_engine:
        return Detected(signals.pid1_cgroup_engine, f"/proc/1/cgroup mentions {signals.pid1_cgroup_engine}")
    return Detected(None, "no container markers")


def detect_vm(signals: VirtSignals) -> Detected:
    if signals.detect_virt_vm is not None:
        answer = signals.detect_virt_vm
        return Detected(None if answer == "none" else answer, f"systemd-detect-virt --vm: {answer}")
    for field in ("sys_vendor", "product_name"):
        value = signals.dmi.get(field, "")
        for fragment, hypervisor in DMI_HYPERVISORS:
            if fragment.lower() in value.lower():
                return Detected(hypervisor, f"DMI {field} {value}")
    if signals.hypervisor_flag:
        return Detected("unknown", "cpuinfo flags: hypervisor")
    return Detected(None, "no DMI hypervisor vendor or hypervisor flag")


def classify(model: str | None, model_source: str, container: Detected, vm: Detected) -> tuple[str, str]:
    """(kind, evidence) by the precedence in this module's docstring."""
    if model and model.startswith("Raspberry Pi"):
        return "pi", f"{model_source} model '{model}'"
    if container.name:
        return "container", container.evidence
    if vm.name:
        return "vm", vm.evidence
    return "server", f"no virtualization found ({container.evidence}; {vm.evidence})"


def apply_kind_override(facts: Facts, fleet_kind: str | None) -> Facts:
    """The inventory's fleet_kind wins over detection, and the evidence says so."""
    if fleet_kind is None:
        return facts
    if fleet_kind not in KINDS:
        raise ValueError(f"fleet_kind must be one of {', '.join(KINDS)}, not {fleet_kind!r}")
    return replace(
        facts,
        kind=fleet_kind,
        kind_evidence=f"set by fleet_kind in the inventory (detected: {facts.kind})",
    )
