"""Turn the probe's whole output into Facts (pure: no I/O)."""

import hashlib

from fleetctl.facts import parsers
from fleetctl.facts.kind import VirtSignals, classify, detect_container, detect_vm
from fleetctl.facts.model import Facts, KnownVirt, NodeVersions
from fleetctl.facts.nodefiles import node_from_files, parse_node_headers, parse_node_packages
from fleetctl.facts.sections import split_sections


def parse_probe(raw: str, known_node: NodeVersions | None = None, known_virt: KnownVirt | None = None) -> Facts:
    """Facts from probe.sh's output; raises ProbeParseError with a one-line cause.

    known_node: the versions and ABI of a node binary the caller told the probe it
    knows; the probe did not start node when the binary is still the same.
    known_virt: systemd-detect-virt's answers the caller told the probe it knows;
    the probe did not start systemd-detect-virt when their key still holds.
    """
    sections = _with_shared_vm(split_sections(raw))
    if known_virt is not None and sections.get("virt_key", "").strip() == known_virt.key:
        # What the probe did not ask again because the caller knew it under this key.
        for section, known in (("systemd_detect_virt_vm", known_virt.vm),
                               ("systemd_detect_virt_container", known_virt.container),
                               ("uname_m", known_virt.uname_m), ("long_bit", known_virt.long_bit)):
            if not sections.get(section, "").strip():
                sections[section] = known

    def body(name: str) -> str:
        return sections.get(name, "")

    arch, kernel_arch = parsers.parse_arch(body("uname_m"), body("long_bit"))
    cpus_online = parsers.parse_cpus_online(body("cpu_online"), body("nprocessors_onln"))
    cpus_affinity = parsers.parse_cpus_allowed(body("cpus_allowed"))
    limits = parsers.parse_cgroup_limits(body("cgroup_limits"))
    cpus_effective = float(min(v for v in (cpus_online, cpus_affinity, limits.cpu_quota) if v is not None))

    memory_total_mb = parsers.parse_meminfo_mb(body("meminfo"))
    memory_limit_mb = None
    if limits.memory_limit_bytes is not None:
        memory_limit_mb = limits.memory_limit_bytes // parsers.MIB
    memory_effective_mb = min(memory_total_mb, memory_limit_mb if memory_limit_mb is not None else memory_total_mb)

    cpuinfo = parsers.parse_cpuinfo(body("cpuinfo"))
    device_tree_model = parsers.parse_device_tree_model(body("device_tree_model"))
    if device_tree_model:
        model, model_source = device_tree_model, "device-tree"
    else:
        model, model_source = parsers.cpuinfo_model(cpuinfo), "cpuinfo"

    signals = VirtSignals(
        detect_virt_vm=parsers.parse_detect_virt(body("systemd_detect_virt_vm")),
        detect_virt_container=parsers.parse_detect_virt(body("systemd_detect_virt_container")),
        run_systemd_container=parsers.parse_first_line(body("run_systemd_container")),
        container_markers=parsers.parse_container_markers(body("container_markers")),
        pid1_cgroup_engine=parsers.parse_pid1_cgroup(body("pid1_cgroup")),
        dmi=parsers.parse_labelled_files(body("dmi")),
        hypervisor_flag=parsers.cpuinfo_has_hypervisor_flag(cpuinfo),
    )
    container = detect_container(signals)
    vm = detect_vm(signals)
    kind, kind_evidence = classify(model, model_source, container, vm)

    os_release = parsers.parse_os_release(body("os_release"))
    node = parsers.parse_node_versions(body("node_versions"))
    if (node is None and known_node and known_node.complete
            and body("node_identity").strip() == known_node.identity):
        node = parsers.NodeRuntime(known_node.node, known_node.libuv, known_node.modules)
    if node is None:
        node = _node_from_files(sections)
    return Facts(
        hostname=parsers.parse_hostname(body("hostname")),
        arch=arch,
        kernel_arch=kernel_arch,
        os=parsers.parse_ostype(body("ostype")),
        libc=parsers.parse_libc(body("libc_loaders")),
        cpus_online=cpus_online,
        cpus_affinity=cpus_affinity,
        cpu_quota=limits.cpu_quota,
        cpus_effective=cpus_effective,
        memory_total_mb=memory_total_mb,
        memory_limit_mb=memory_limit_mb,
        memory_effective_mb=memory_effective_mb,
        opt_free_mb=parsers.parse_free_mb(body("opt_free")),
        model=model,
        virt_vm=vm.name,
        virt_container=container.name,
        os_id=os_release.get("ID"),
        os_version=os_release.get("VERSION_ID"),
        os_pretty=os_release.get("PRETTY_NAME"),
        systemd_pid1=parsers.parse_systemd_pid1(body("pid1_comm"), body("run_systemd_system")),
        systemd_version=parsers.parse_systemd_version(body("systemctl_version"), body("systemd_shared_library")),
        node_version=node.node if node else None,
        libuv_version=node.libuv if node else None,
        node_abi=node.abi if node else None,
        kind=kind,
        kind_evidence=kind_evidence,
        service_slice=parsers.parse_first_line(body("service_slice")),
    )


def node_identity(raw: str) -> str | None:
    """The probed node binary's identity (for the probe cache), or None without node."""
    return split_sections(raw).get("node_identity", "").strip() or None


def detected_virt(raw: str) -> KnownVirt | None:
    """systemd-detect-virt's answers in this output, with their key (for the cache), or None if it did not run."""
    sections = _with_shared_vm(split_sections(raw))
    key = sections.get("virt_key", "").strip()
    vm = sections.get("systemd_detect_virt_vm", "").strip()
    container = sections.get("systemd_detect_virt_container", "").strip()
    known = KnownVirt(key, vm, container, sections.get("uname_m", "").strip(), sections.get("long_bit", "").strip())
    return known if known.complete else None


def _node_from_files(sections: dict[str, str]):
    return node_from_files(parse_node_headers(sections.get("node_headers", "")),
                           parse_node_packages(sections.get("node_packages", "")))


def node_unanswered(raw: str) -> bool:
    """The probe found node and read its files instead of starting it, but they did not tell all that
    node -p would: node must be asked (fleetctl.facts.gather does, over the same connection)."""
    sections = split_sections(raw)
    read_files = sections.get("node_headers", "").strip() or sections.get("node_packages", "").strip()
    return bool(sections.get("node_identity", "").strip() and not sections.get("node_versions", "").strip()
                and read_files and _node_from_files(sections) is None)


# The section the caller adds to a probe's output: what systemd-detect-virt --vm said in another container of the
# same machine (probe.sh detect_virt), or in this one.
SHARED_VM_ANSWER = "vm_shared_answer"


# What systemd-detect-virt --vm reads that one container may see otherwise than another of the same machine, as
# far as the probe prints it: its own architecture (an emulated one has no CPUID: the lab's pi persona, an arm64
# container on an x86_64 machine, says none where its siblings say kvm), and DMI, a device tree or /proc/cpuinfo
# that a container runtime bound over the machine's.
_VM_SEEN = ("uname_m", "long_bit", "dmi", "device_tree_model", "cpuinfo")


def vm_shared_key(raw: str) -> str | None:
    """When the probe left systemd-detect-virt --vm to the caller, who asks it once per key
    (fleetctl.facts.gather): "<boot id> <systemd library> <digest of what it reads that could differ>";
    None when the probe asked it, or did not need to."""
    sections = split_sections(raw)
    machine = sections.get("vm_shared", "").strip()
    if not machine:
        return None
    seen = "\n".join(f"==> {name} <==\n{sections.get(name, '').strip()}" for name in _VM_SEEN)
    return f"{machine} {hashlib.sha256(seen.encode()).hexdigest()[:16]}"


def with_shared_vm(raw: str, answer: str) -> str:
    """The probe's output with the answer of systemd-detect-virt --vm for its vm_shared key added (as its own
    section: the output still shows what the probe did not ask)."""
    return raw.rstrip("\n") + f"\n==> {SHARED_VM_ANSWER} <==\n{answer.strip()}\n"


def _with_shared_vm(sections: dict[str, str]) -> dict[str, str]:
    """The shared answer where systemd-detect-virt --vm's own would be, when the probe left it to the caller."""
    if sections.get("vm_shared", "").strip() and not sections.get("systemd_detect_virt_vm", "").strip():
        sections["systemd_detect_virt_vm"] = sections.get(SHARED_VM_ANSWER, "")
    return sections
