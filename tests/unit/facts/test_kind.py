"""What a host is (pi, container, vm, server), from which evidence, and fleet_kind's override."""

import pytest

from fleetctl.facts import apply_kind_override, parse_probe
from fleetctl.facts.kind import Detected, classify

from ..fixture_files import read_fixture


NO_CONTAINER = Detected(None, "systemd-detect-virt --container: none")
NO_VM = Detected(None, "systemd-detect-virt --vm: none")


def test_a_pi_model_wins_over_a_container():
    kind = classify("Raspberry Pi 5 Model B Rev 1.0", "device-tree", Detected("docker", "/.dockerenv exists"), NO_VM)
    assert kind == ("pi", "device-tree model 'Raspberry Pi 5 Model B Rev 1.0'")


def test_a_container_wins_over_a_vm():
    kind = classify(None, "cpuinfo", Detected("docker", "/.dockerenv exists"), Detected("kvm", "systemd-detect-virt --vm: kvm"))
    assert kind == ("container", "/.dockerenv exists")


def test_pi_model_from_cpuinfo_when_there_is_no_device_tree():
    raw = read_fixture("pi3-armv7l.txt").replace(
        "==> device_tree_model <==\nRaspberry Pi 3 Model B Plus Rev 1.3\n", "==> device_tree_model <==\n"
    )
    facts = parse_probe(raw)
    assert (facts.kind, facts.kind_evidence) == ("pi", "cpuinfo model 'Raspberry Pi 3 Model B Plus Rev 1.3'")


def test_systemd_detect_virt_is_trusted_over_pid1_cgroup():
    # The lab's vm persona: no /.dockerenv, PID 1's cgroup v1 paths still say docker.
    facts = parse_probe(read_fixture("lab-vm-persona-cgroup-v1.txt"))
    assert (facts.kind, facts.virt_container) == ("vm", None)


def test_pid1_cgroup_is_used_without_systemd_detect_virt():
    raw = read_fixture("docker-cgroup-v1-quota.txt").replace("==> container_markers <==\n/.dockerenv\n", "==> container_markers <==\n")
    facts = parse_probe(raw)
    assert (facts.kind, facts.kind_evidence) == ("container", "/proc/1/cgroup mentions docker")


def test_hypervisor_flag_is_the_last_vm_fallback():
    raw = read_fixture("alpine-vmware-no-detect-virt.txt")
    raw = raw.replace("/sys/class/dmi/id/sys_vendor: VMware, Inc.\n/sys/class/dmi/id/product_name: VMware Virtual Platform\n", "")
    facts = parse_probe(raw)
    assert (facts.kind, facts.virt_vm, facts.kind_evidence) == ("vm", "unknown", "cpuinfo flags: hypervisor")


def test_fleet_kind_overrides_detection_and_says_so():
    facts = apply_kind_override(parse_probe(read_fixture("kvm-vm.txt")), "server")
    assert (facts.kind, facts.kind_evidence) == ("server", "set by fleet_kind in the inventory (detected: vm)")
    assert apply_kind_override(facts, None) is facts
    with pytest.raises(ValueError, match="fleet_kind must be one of"):
        apply_kind_override(facts, "mainframe")
