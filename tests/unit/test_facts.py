"""Probe parsers against recorded outputs of probe.sh, and probe.sh run for real."""

import os
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from fleetctl.facts import Facts, ProbeParseError, apply_kind_override, gather, parse_probe, probe_hosts, probe_script
from fleetctl.facts import parsers
from fleetctl.facts.kind import Detected, classify
from fleetctl.facts.model import KnownVirt
from fleetctl.facts.parse import detected_virt
from fleetctl.facts.sections import split_sections
from fleetctl.transport import Result, Transport

FIXTURES = Path(__file__).parent / "fixtures" / "probe"

# Every field of every fixture, checked exactly. The values were worked out by
# hand from the recorded files (e.g. MemTotal kB // 1024, 150000/100000 = 1.5).
# this-machine-* and lab-*-captured were captured by running probe.sh for real
# (on the development machine, and over SSH on the Docker lab's personas);
# lab-*-captured-v2 by the probe that reads its files in one awk and systemd's
# version from its shared library's name (section systemd_shared_library);
# lab-*-captured-v3 by the probe that reads the platform (ostype, libc_loaders,
# node's ABI) and free disk (opt_free). The older recordings gained what those
# sections print where it is known without the host: "Linux", the loader their
# Debian image installs (checked in the lab's images) and node's ABI (its
# version's, in Node's ABI registry); their free disk stays unknown (None).
EXPECTED = {
    "alpine-vmware-no-detect-virt.txt": {
        "hostname": "gw-alpine",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "musl",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 1963,
        "memory_limit_mb": None,
        "memory_effective_mb": 1963,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz",
        "virt_vm": "vmware",
        "virt_container": None,
        "os_id": "alpine",
        "os_version": "3.20.3",
        "os_pretty": "Alpine Linux v3.20",
        "systemd_pid1": False,
        "systemd_version": None,
        "node_version": "20.15.1",
        "libuv_version": "1.48.0",
        "node_abi": "115",
        "kind": "vm",
        "kind_evidence": "DMI sys_vendor VMware, Inc.",
    },
    "docker-cgroup-v1-quota.txt": {
        "hostname": "9f2c4e1a7b3d",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 8,
        "cpus_affinity": 8,
        "cpu_quota": 1.5,
        "cpus_effective": 1.5,
        "memory_total_mb": 32029,
        "memory_limit_mb": 512,
        "memory_effective_mb": 512,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz",
        "virt_vm": None,
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "11",
        "os_pretty": "Debian GNU/Linux 11 (bullseye)",
        "systemd_pid1": False,
        "systemd_version": None,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "container",
        "kind_evidence": "/.dockerenv exists",
    },
    "docker-cgroup-v2-half-cpu.txt": {
        "hostname": "b71d03c5e8a2",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 16,
        "cpus_affinity": 16,
        "cpu_quota": 0.5,
        "cpus_effective": 0.5,
        "memory_total_mb": 64299,
        "memory_limit_mb": 256,
        "memory_effective_mb": 256,
        "opt_free_mb": None,
        "model": "AMD EPYC 7B13",
        "virt_vm": "google",
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": False,
        "systemd_version": None,
        "node_version": "20.18.0",
        "libuv_version": "1.48.0",
        "node_abi": "115",
        "kind": "container",
        "kind_evidence": "/.dockerenv exists",
    },
    "kvm-vm.txt": {
        "hostname": "api-vm-3",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 4,
        "cpus_affinity": 4,
        "cpu_quota": None,
        "cpus_effective": 4.0,
        "memory_total_mb": 7941,
        "memory_limit_mb": None,
        "memory_effective_mb": 7941,
        "opt_free_mb": None,
        "model": "Intel Xeon Processor (Cascadelake)",
        "virt_vm": "kvm",
        "virt_container": None,
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": None,
        "libuv_version": None,
        "node_abi": None,
        "kind": "vm",
        "kind_evidence": "systemd-detect-virt --vm: kvm",
    },
    "lab-vm-persona-cgroup-v1.txt": {
        "hostname": "lab-vm",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": 1.0,
        "cpus_effective": 1.0,
        "memory_total_mb": 24152,
        "memory_limit_mb": 768,
        "memory_effective_mb": 768,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) Processor",
        "virt_vm": "kvm",
        "virt_container": None,
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": None,
        "libuv_version": None,
        "node_abi": None,
        "kind": "vm",
        "kind_evidence": "systemd-detect-virt --vm: kvm",
    },
    "lxc-system-container.txt": {
        "hostname": "ct-web-101",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 2048,
        "memory_limit_mb": None,
        "memory_effective_mb": 2048,
        "opt_free_mb": None,
        "model": "AMD Ryzen 9 5950X 16-Core Processor",
        "virt_vm": None,
        "virt_container": "lxc",
        "os_id": "ubuntu",
        "os_version": "22.04",
        "os_pretty": "Ubuntu 22.04.5 LTS",
        "systemd_pid1": True,
        "systemd_version": 249,
        "node_version": None,
        "libuv_version": None,
        "node_abi": None,
        "kind": "container",
        "kind_evidence": "systemd-detect-virt --container: lxc",
    },
    "pi3-armv7l.txt": {
        "hostname": "greenhouse-pi3",
        "arch": "armv7l",
        "kernel_arch": "armv7l",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 4,
        "cpus_affinity": 4,
        "cpu_quota": None,
        "cpus_effective": 4.0,
        "memory_total_mb": 922,
        "memory_limit_mb": None,
        "memory_effective_mb": 922,
        "opt_free_mb": None,
        "model": "Raspberry Pi 3 Model B Plus Rev 1.3",
        "virt_vm": None,
        "virt_container": None,
        "os_id": "raspbian",
        "os_version": "11",
        "os_pretty": "Raspbian GNU/Linux 11 (bullseye)",
        "systemd_pid1": True,
        "systemd_version": 247,
        "node_version": "12.22.12",
        "libuv_version": "1.40.0",
        "node_abi": "72",
        "kind": "pi",
        "kind_evidence": "device-tree model 'Raspberry Pi 3 Model B Plus Rev 1.3'",
    },
    "pi4-aarch64.txt": {
        "hostname": "kiosk-pi4",
        "arch": "aarch64",
        "kernel_arch": "aarch64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 4,
        "cpus_affinity": 4,
        "cpu_quota": None,
        "cpus_effective": 4.0,
        "memory_total_mb": 3791,
        "memory_limit_mb": None,
        "memory_effective_mb": 3791,
        "opt_free_mb": None,
        "model": "Raspberry Pi 4 Model B Rev 1.4",
        "virt_vm": None,
        "virt_container": None,
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.19.0",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "pi",
        "kind_evidence": "device-tree model 'Raspberry Pi 4 Model B Rev 1.4'",
    },
    "pi5-aarch64.txt": {
        "hostname": "edge-pi5-01",
        "arch": "aarch64",
        "kernel_arch": "aarch64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 4,
        "cpus_affinity": 4,
        "cpu_quota": None,
        "cpus_effective": 4.0,
        "memory_total_mb": 8052,
        "memory_limit_mb": None,
        "memory_effective_mb": 8052,
        "opt_free_mb": None,
        "model": "Raspberry Pi 5 Model B Rev 1.0",
        "virt_vm": None,
        "virt_container": None,
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": None,
        "libuv_version": None,
        "node_abi": None,
        "kind": "pi",
        "kind_evidence": "device-tree model 'Raspberry Pi 5 Model B Rev 1.0'",
    },
    "this-machine-docker-on-kvm.txt": {
        "hostname": "vm",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 24152,
        "memory_limit_mb": None,
        "memory_effective_mb": 24152,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) Processor",
        "virt_vm": "kvm",
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": False,
        "systemd_version": 252,
        "node_version": "20.20.2",
        "libuv_version": "1.46.0",
        "node_abi": "115",
        "kind": "container",
        "kind_evidence": "systemd-detect-virt --container: docker",
    },
    "x86-bare-metal.txt": {
        "hostname": "db-r640-02",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 64,
        "cpus_affinity": 64,
        "cpu_quota": None,
        "cpus_effective": 64.0,
        "memory_total_mb": 385584,
        "memory_limit_mb": None,
        "memory_effective_mb": 385584,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz",
        "virt_vm": None,
        "virt_container": None,
        "os_id": "ubuntu",
        "os_version": "22.04",
        "os_pretty": "Ubuntu 22.04.4 LTS",
        "systemd_pid1": True,
        "systemd_version": 249,
        "node_version": "20.11.1",
        "libuv_version": "1.46.0",
        "node_abi": "115",
        "kind": "server",
        "kind_evidence": "no virtualization found (systemd-detect-virt --container: none; systemd-detect-virt --vm: none)",
    },
    "lab-container-persona-captured.txt": {
        "hostname": "fleetctl-lab-container-1",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": 1.5,
        "cpus_effective": 1.5,
        "memory_total_mb": 24152,
        "memory_limit_mb": 512,
        "memory_effective_mb": 512,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) Processor",
        "virt_vm": "kvm",
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "container",
        "kind_evidence": "systemd-detect-virt --container: docker",
    },
    "lab-container-persona-captured-v2.txt": {
        "hostname": "fleetctl-bench-container-1",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": 1.5,
        "cpus_effective": 1.5,
        "memory_total_mb": 24152,
        "memory_limit_mb": 512,
        "memory_effective_mb": 512,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) Processor",
        "virt_vm": "kvm",
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "container",
        "kind_evidence": "systemd-detect-virt --container: docker",
    },
    "lab-pi-persona-captured-v2.txt": {
        "hostname": "fleetctl-bench-pi-1",
        "arch": "aarch64",
        "kernel_arch": "aarch64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 24152,
        "memory_limit_mb": 1024,
        "memory_effective_mb": 1024,
        "opt_free_mb": None,
        "model": "Raspberry Pi 4 Model B Rev 1.4",
        "virt_vm": None,
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "pi",
        "kind_evidence": "device-tree model 'Raspberry Pi 4 Model B Rev 1.4'",
    },
    "lab-pi-persona-captured.txt": {
        "hostname": "fleetctl-lab-pi-1",
        "arch": "aarch64",
        "kernel_arch": "aarch64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 24152,
        "memory_limit_mb": 1024,
        "memory_effective_mb": 1024,
        "opt_free_mb": None,
        "model": "Raspberry Pi 4 Model B Rev 1.4",
        "virt_vm": None,
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "pi",
        "kind_evidence": "device-tree model 'Raspberry Pi 4 Model B Rev 1.4'",
    },
    "lab-server-persona-captured.txt": {
        "hostname": "fleetctl-lab-server-1",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 24152,
        "memory_limit_mb": None,
        "memory_effective_mb": 24152,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) Processor",
        "virt_vm": "kvm",
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "container",
        "kind_evidence": "systemd-detect-virt --container: docker",
    },
    "lab-vm-persona-captured.txt": {
        "hostname": "fleetctl-lab-vm-1",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 24152,
        "memory_limit_mb": None,
        "memory_effective_mb": 24152,
        "opt_free_mb": None,
        "model": "Intel(R) Xeon(R) Processor",
        "virt_vm": "kvm",
        "virt_container": None,
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "vm",
        "kind_evidence": "systemd-detect-virt --vm: kvm",
    },
    "lab-server-persona-captured-v3.txt": {
        "hostname": "fleetctl-lab-server-1",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 24105,
        "memory_limit_mb": None,
        "memory_effective_mb": 24105,
        "opt_free_mb": 78408,
        "model": "AMD EPYC",
        "virt_vm": "kvm",
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "container",
        "kind_evidence": "systemd-detect-virt --container: docker",
    },
    "lab-vm-persona-captured-v3.txt": {
        "hostname": "fleetctl-lab-vm-1",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 24105,
        "memory_limit_mb": None,
        "memory_effective_mb": 24105,
        "opt_free_mb": 78218,
        "model": "AMD EPYC",
        "virt_vm": "kvm",
        "virt_container": None,
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "vm",
        "kind_evidence": "systemd-detect-virt --vm: kvm",
    },
    "lab-container-persona-captured-v3.txt": {
        "hostname": "fleetctl-lab-container-1",
        "arch": "x86_64",
        "kernel_arch": "x86_64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": 1.5,
        "cpus_effective": 1.5,
        "memory_total_mb": 24105,
        "memory_limit_mb": 512,
        "memory_effective_mb": 512,
        "opt_free_mb": 78408,
        "model": "AMD EPYC",
        "virt_vm": "kvm",
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "container",
        "kind_evidence": "systemd-detect-virt --container: docker",
    },
    "lab-pi-persona-captured-v3.txt": {
        "hostname": "fleetctl-lab-pi-1",
        "arch": "aarch64",
        "kernel_arch": "aarch64",
        "os": "linux",
        "libc": "glibc",
        "cpus_online": 2,
        "cpus_affinity": 2,
        "cpu_quota": None,
        "cpus_effective": 2.0,
        "memory_total_mb": 24105,
        "memory_limit_mb": 1024,
        "memory_effective_mb": 1024,
        "opt_free_mb": 78392,
        "model": "Raspberry Pi 4 Model B Rev 1.4",
        "virt_vm": None,
        "virt_container": "docker",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty": "Debian GNU/Linux 12 (bookworm)",
        "systemd_pid1": True,
        "systemd_version": 252,
        "node_version": "18.20.4",
        "libuv_version": "1.44.2",
        "node_abi": "108",
        "kind": "pi",
        "kind_evidence": "device-tree model 'Raspberry Pi 4 Model B Rev 1.4'",
    },
}


def read_fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def steady(facts: Facts) -> Facts:
    """Facts without the free disk, which moves between two probes a moment apart on a busy machine."""
    return replace(facts, opt_free_mb=None)


def test_every_fixture_has_expected_facts():
    assert sorted(p.name for p in FIXTURES.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_facts(name):
    assert parse_probe(read_fixture(name)).to_dict() == EXPECTED[name]


def test_facts_are_frozen():
    facts = parse_probe(read_fixture("kvm-vm.txt"))
    with pytest.raises(AttributeError):
        facts.kind = "server"  # type: ignore[misc]


# --- one parser at a time ---------------------------------------------------


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


# --- kind ---------------------------------------------------------------------

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


# --- bad output -----------------------------------------------------------------


def test_output_that_is_not_the_probe_is_refused():
    with pytest.raises(ProbeParseError, match="not from the fleetctl probe"):
        parse_probe("Permission denied\n")


def test_truncated_output_is_refused():
    raw = read_fixture("kvm-vm.txt")
    with pytest.raises(ProbeParseError, match="truncated"):
        parse_probe(raw[: raw.index("==> os_release <==")])


def test_noise_before_the_first_section_is_ignored():
    raw = "Welcome to the jungle\n" + read_fixture("kvm-vm.txt")
    assert parse_probe(raw) == parse_probe(read_fixture("kvm-vm.txt"))


def test_missing_memtotal_is_a_parse_error():
    raw = read_fixture("kvm-vm.txt").replace("MemTotal:        8131952 kB\n", "")
    with pytest.raises(ProbeParseError, match="MemTotal"):
        parse_probe(raw)


# --- probe.sh for real ----------------------------------------------------------------


@pytest.mark.parametrize("shell", [["dash", "-s"], ["busybox", "sh", "-s"], ["bash", "--posix", "-s"]])
def test_probe_script_runs_locally_and_parses(shell):
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    done = subprocess.run(shell, input=probe_script(), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    facts = parse_probe(done.stdout)
    assert isinstance(facts, Facts)
    assert facts.hostname == Path("/proc/sys/kernel/hostname").read_text().strip()
    assert facts.cpus_online == os.cpu_count()
    assert facts.cpus_affinity == len(os.sched_getaffinity(0))
    assert facts.arch == os.uname().machine.replace("amd64", "x86_64")
    assert facts.memory_total_mb > 0


# Every section probe.sh prints, in order, whatever the host lacks.
SECTIONS = [
    "probe", "hostname", "uname_m", "long_bit", "cpu_online", "nprocessors_onln", "meminfo",
    "cpus_allowed", "self_cgroup", "cgroup_mounts", "cgroup_limits", "cpuinfo", "pid1_cgroup", "os_release",
    "ostype", "device_tree_model", "virt_key", "systemd_detect_virt_vm", "systemd_detect_virt_container",
    "container_markers", "run_systemd_container", "dmi", "pid1_comm", "run_systemd_system", "systemctl_version",
    "systemd_shared_library", "libc_loaders", "opt_free", "node_identity", "node_versions", "end",
]


def _headers(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line.startswith("==> ")]


def _fake_roots(script: str, root: Path) -> str:
    """probe.sh reading /proc and /sys under root instead."""
    return script.replace("/proc/", f"{root}/proc/").replace("/sys/", f"{root}/sys/")


def _bin_without(tmp_path: Path, *missing: str) -> Path:
    """A PATH directory with every command of PATH but the missing ones (symlinks)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for folder in reversed(os.environ["PATH"].split(os.pathsep)):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = Path(folder) / name
            if name not in missing and os.access(target, os.X_OK) and not target.is_dir():
                link = directory / name
                link.unlink(missing_ok=True)
                link.symlink_to(target)
    return directory


def test_probe_script_survives_missing_files(tmp_path):
    # Without /proc and /sys (a chroot, a locked-down host) every section still
    # prints; only the facts a plan cannot do without are missing.
    done = subprocess.run(["dash", "-s"], input=_fake_roots(probe_script(), tmp_path),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    assert _headers(done.stdout) == SECTIONS
    with pytest.raises(ProbeParseError, match="probe output has no"):
        parse_probe(done.stdout)


def test_probe_script_without_awk_prints_every_section_with_builtins(tmp_path):
    # awk reads the whole files; without it the shell's builtins read what they
    # can (no cgroup limits, no cpuinfo), and the same sections are printed.
    with_awk = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30)
    env = dict(os.environ, PATH=str(_bin_without(tmp_path, "awk")))
    without = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30, env=env)
    assert without.returncode == 0, without.stderr
    assert _headers(without.stdout) == SECTIONS
    full, degraded = parse_probe(with_awk.stdout), parse_probe(without.stdout)
    for fact in ("hostname", "arch", "os", "libc", "node_abi", "cpus_online", "cpus_affinity", "memory_total_mb",
                 "os_pretty", "kind"):
        assert getattr(degraded, fact) == getattr(full, fact), fact
    sections = split_sections(without.stdout)
    assert sections["self_cgroup"] == Path("/proc/self/cgroup").read_text().strip("\n")
    assert sections["cgroup_limits"] == sections["cpuinfo"] == ""


def test_probe_script_prints_the_same_under_mawk_and_busybox_awk(tmp_path):
    assert shutil.which("busybox"), "busybox is needed for this test"
    mawk = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30)
    awk = tmp_path / "bin" / "awk"
    awk.parent.mkdir()
    awk.symlink_to(shutil.which("busybox"))  # busybox runs its applet named by argv[0]
    env = dict(os.environ, PATH=f"{awk.parent}{os.pathsep}{os.environ['PATH']}")
    busybox = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30, env=env)
    # Only self_cgroup, cgroup_limits and cpus_allowed describe the reading
    # process itself, and both awks run in the same cgroup with the same mask.
    # The free disk is not awk's, and moves between two runs on a busy machine.
    free_disk = re.compile(r"(==> opt_free <==\n\S+) \d+ ")
    assert free_disk.sub(r"\1 N ", busybox.stdout) == free_disk.sub(r"\1 N ", mawk.stdout)


def _limits(tmp_path: Path, self_cgroup: str, mountinfo: list[str]) -> list[str]:
    """The cgroup_limits section of probe.sh run on a fake /proc/self and cgroup tree under tmp_path."""
    _write(tmp_path / "proc/self/cgroup", self_cgroup)
    _write(tmp_path / "proc/self/mountinfo", "\n".join(mountinfo))
    done = subprocess.run(["dash", "-s"], input=_fake_roots(probe_script(), tmp_path),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    body = split_sections(done.stdout)["cgroup_limits"]
    return [line.replace(str(tmp_path / "cgroup"), "MNT") for line in body.splitlines()]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def _cgroup_dirs(root: Path, *relative: str) -> None:
    """Cgroup directories: each has a cgroup.procs, as the kernel's do."""
    for folder in relative:
        _write(root / folder / "cgroup.procs", "")


def _mount(root: Path, fstype: str, mount_root: str, options: str = "rw") -> str:
    return f"30 25 0:26 {mount_root} {root / 'cgroup'} rw,nosuid - {fstype} {fstype} {options}"


def test_cgroup_walk_reads_every_level_up_to_the_mount(tmp_path):
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".", "system.slice", "system.slice/app.service")
    _write(cgroup / "system.slice/app.service/memory.max", "max")
    _write(cgroup / "system.slice/memory.max", "536870912")
    _write(cgroup / "system.slice/cpu.max", "50000 100000")
    lines = _limits(tmp_path, "0::/system.slice/app.service", [_mount(tmp_path, "cgroup2", "/")])
    assert lines == [
        "MNT/system.slice/app.service/memory.max: max",
        "MNT/system.slice/cpu.max: 50000 100000",
        "MNT/system.slice/memory.max: 536870912",
    ]


def test_cgroup_walk_strips_the_mount_root(tmp_path):
    # Docker on cgroup v1 without a cgroup namespace: the mount's root is the
    # container's own cgroup, which /proc/self/cgroup names in full.
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".")
    _write(cgroup / "cpu.cfs_quota_us", "150000")
    _write(cgroup / "cpu.cfs_period_us", "100000")
    lines = _limits(tmp_path, "4:cpu,cpuacct:/docker/abc", [_mount(tmp_path, "cgroup", "/docker/abc", "rw,cpu,cpuacct")])
    assert lines == ["MNT/cpu.cfs_quota_us: 150000", "MNT/cpu.cfs_period_us: 100000"]


def test_cgroup_walk_falls_back_to_the_mount_when_our_path_is_not_visible(tmp_path):
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".")
    _write(cgroup / "memory.max", "268435456")
    lines = _limits(tmp_path, "0::/docker/abc/elsewhere", [_mount(tmp_path, "cgroup2", "/")])
    assert lines == ["MNT/memory.max: 268435456"]


def test_a_mount_stacked_on_an_identical_one_is_walked_once(tmp_path):
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".", "docker", "docker/abc")
    _write(cgroup / "docker/abc/memory.limit_in_bytes", "1073741824")
    mount = _mount(tmp_path, "cgroup", "/", "rw,memory")
    lines = _limits(tmp_path, "4:memory:/docker/abc", [mount, mount.replace("30 25", "31 30"), mount])
    assert lines == ["MNT/docker/abc/memory.limit_in_bytes: 1073741824"]


def test_device_tree_model_loses_its_nul(tmp_path):
    model = tmp_path / "proc/device-tree/model"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\x00")
    done = subprocess.run(["dash", "-s"], input=_fake_roots(probe_script(), tmp_path),
                          capture_output=True, text=True, timeout=30)
    assert split_sections(done.stdout)["device_tree_model"] == "Raspberry Pi 4 Model B Rev 1.4"


FAKE_DETECT_VIRT = """#!/bin/sh
echo "$*" >> "$CALLS"
case ${1-} in
    --vm) echo "$VM" ;;
    --container) echo "$CONTAINER" ;;
    *) if [ "$CONTAINER" != none ]; then echo "$CONTAINER"; else echo "$VM"; fi ;;
esac
"""


@pytest.mark.parametrize(
    "vm, container, calls",
    [
        ("none", "none", [""]),                      # bare metal: one exec answers both
        ("kvm", "none", [""]),                       # a VM: the same
        ("kvm", "docker", ["", "--vm"]),             # a container: the VM beneath is asked too
        ("none", "lxc", ["", "--vm"]),
        ("newvm", "none", ["", "--vm", "--container"]),  # a name the probe does not know: both asked
    ],
)
def test_systemd_detect_virt_is_started_once_unless_the_answer_names_a_container(tmp_path, vm, container, calls):
    fake = tmp_path / "fake" / "systemd-detect-virt"
    fake.parent.mkdir()
    fake.write_text(FAKE_DETECT_VIRT)
    fake.chmod(0o755)
    log = tmp_path / "calls"
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", VM=vm, CONTAINER=container,
               CALLS=str(log))
    done = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30, env=env)
    sections = split_sections(done.stdout)
    assert (sections["systemd_detect_virt_vm"], sections["systemd_detect_virt_container"]) == (vm, container)
    assert log.read_text().splitlines() == calls


def test_systemd_detect_virt_is_not_started_while_the_callers_key_holds(tmp_path):
    fake = tmp_path / "fake" / "systemd-detect-virt"
    fake.parent.mkdir()
    fake.write_text(FAKE_DETECT_VIRT)
    fake.chmod(0o755)
    log = tmp_path / "calls"
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", VM="kvm", CONTAINER="docker",
               CALLS=str(log))

    def probe(*arguments: str) -> str:
        return subprocess.run(["dash", "-s", "--", *arguments], input=probe_script(), capture_output=True,
                              text=True, timeout=30, env=env).stdout

    first = probe()
    key = split_sections(first)["virt_key"]
    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert key.startswith(boot_id + ":") and key.split(":")[1].isdigit()
    assert log.read_text().splitlines() == ["", "--vm"]
    known = KnownVirt(key, "kvm", "docker", platform.machine(), split_sections(first)["long_bit"].strip())
    assert detected_virt(first) == known and known.long_bit in ("32", "64")

    again = probe("", key)
    assert log.read_text().splitlines() == ["", "--vm"]  # not started again
    sections = split_sections(again)
    assert sections["systemd_detect_virt_vm"] == sections["systemd_detect_virt_container"] == ""
    assert sections["uname_m"] == sections["long_bit"] == ""  # nor uname and getconf
    assert steady(parse_probe(again, known_virt=known)) == steady(parse_probe(first))
    assert detected_virt(again) is None

    probe("", "another-boot:1")  # a reboot, or a new container: asked again
    assert log.read_text().splitlines() == ["", "--vm", "", "--vm"]


def test_cached_virt_answers_are_used_only_for_their_key():
    raw = read_fixture("lab-container-persona-captured-v2.txt")
    skipped = raw.replace("==> systemd_detect_virt_vm <==\nkvm\n", "==> virt_key <==\nb:7\n==> systemd_detect_virt_vm <==\n")
    skipped = skipped.replace("==> systemd_detect_virt_container <==\ndocker\n", "==> systemd_detect_virt_container <==\n")
    assert parse_probe(skipped, known_virt=KnownVirt("b:7", "kvm", "docker")) == parse_probe(raw)
    other = parse_probe(skipped, known_virt=KnownVirt("b:8", "kvm", "docker"))
    assert (other.virt_vm, other.virt_container) == ("unknown", "docker")  # fallbacks: the cpuinfo flag, /.dockerenv


def test_systemd_version_comes_from_the_library_name_without_starting_systemctl(tmp_path):
    fake = tmp_path / "fake" / "systemctl"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho started >> "$CALLS"\necho "systemd 1 (fake)"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", CALLS=str(tmp_path / "calls"))
    done = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30, env=env)
    sections = split_sections(done.stdout)
    libraries = {path.name for pattern in ("/usr/lib/systemd/libsystemd-shared-[0-9]*.so",
                                           "/usr/lib/*/systemd/libsystemd-shared-[0-9]*.so")
                 for path in Path("/").glob(pattern.lstrip("/"))}
    if len(libraries) == 1:
        assert sections["systemd_shared_library"] == libraries.pop()
        assert sections["systemctl_version"] == "" and not (tmp_path / "calls").exists()
    else:  # no (or more than one) library: systemctl tells
        assert sections["systemctl_version"] == "systemd 1 (fake)"


# --- gather and probe_hosts without SSH ------------------------------------------------


class CannedTransport(Transport):
    """Answers every command with one canned Result and records what it was sent."""

    def __init__(self, name: str, answer: Result) -> None:
        super().__init__(name, become=False)
        self.answer = answer
        self.sent: list[tuple[str, bytes | None]] = []

    def _execute(self, command, stdin, timeout):
        self.sent.append((command, stdin))
        return self.answer

    def close(self) -> None:
        pass


def test_gather_sends_the_probe_once_on_stdin_of_sh():
    transport = CannedTransport("pi4", Result(0, read_fixture("pi4-aarch64.txt"), ""))
    raw, facts = gather(transport)
    assert transport.sent == [("sh -s", probe_script().encode())]
    assert (raw, facts) == (read_fixture("pi4-aarch64.txt"), parse_probe(read_fixture("pi4-aarch64.txt")))


def test_gather_failure_names_the_host_and_the_remote_cause_on_one_line():
    transport = CannedTransport("web1", Result(1, "", "This account is currently not available.\n"))
    with pytest.raises(ProbeParseError) as failed:
        gather(transport)
    assert str(failed.value) == (
        "web1: output is not from the fleetctl probe script (no banner) "
        "(exit code 1: This account is currently not available.)"
    )


@dataclass(frozen=True)
class LocalSpec:
    name: str
    address: str = "localhost"
    port: int | None = None
    user: str | None = None
    key_file: str | None = None
    connection: str = "local"
    become: bool = False
    known_hosts_file: str | None = None


def test_probe_hosts_keeps_order_and_turns_every_failure_into_a_row():
    specs = [LocalSpec("one"), LocalSpec("bad", connection="telnet"), LocalSpec("two")]
    seen = []
    results = probe_hosts(specs, forks=3, on_result=lambda result: seen.append(result.name))
    assert [r.name for r in results] == ["one", "bad", "two"]
    assert sorted(seen) == ["bad", "one", "two"]
    assert results[0].ok and results[2].ok and steady(results[0].facts) == steady(results[2].facts)
    assert results[1].facts is None
    assert results[1].error == "bad: unknown connection 'telnet' (expected ssh or local)"
    assert probe_hosts([], forks=5) == []
