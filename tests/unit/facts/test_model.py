"""Facts, the values the decision table reads, and the platform a release is built for (Facts.platform)."""

import pytest

from fleetctl.domain import Platform
from fleetctl.facts import parse_probe

from ..fixture_files import read_fixture


def test_facts_are_frozen():
    facts = parse_probe(read_fixture("kvm-vm.txt"))
    with pytest.raises(AttributeError):
        facts.kind = "server"  # type: ignore[misc]


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
    facts = parse_probe(read_fixture(name))
    assert facts.platform is not None and facts.platform.key == key
    assert facts.platform == Platform(facts.os, facts.arch, facts.libc, facts.node_abi)


@pytest.mark.parametrize("name", ["kvm-vm.txt", "pi5-aarch64.txt", "lxc-system-container.txt"])
def test_a_host_without_node_has_no_platform_but_its_os_and_libc(name):
    facts = parse_probe(read_fixture(name))
    assert (facts.node_version, facts.node_abi, facts.platform) == (None, None, None)
    assert (facts.os, facts.libc) == ("linux", "glibc")


def test_a_host_whose_libc_is_unknown_has_no_platform():
    raw = read_fixture("pi4-aarch64.txt").replace("==> libc_loaders <==\nlink /lib/ld-linux-aarch64.so.1\n",
                                             "==> libc_loaders <==\n")
    facts = parse_probe(raw)
    assert facts.node_abi == "108" and facts.libc is None and facts.platform is None


def test_a_64_bit_kernel_with_a_32_bit_userland_is_an_armv7l_platform():
    raw = read_fixture("pi4-aarch64.txt").replace("==> long_bit <==\n64\n", "==> long_bit <==\n32\n")
    raw = raw.replace("link /lib/ld-linux-aarch64.so.1", "link /lib/ld-linux-armhf.so.3")
    facts = parse_probe(raw)
    assert (facts.kernel_arch, facts.platform.key) == ("aarch64", "linux-armv7l-glibc-node108")
