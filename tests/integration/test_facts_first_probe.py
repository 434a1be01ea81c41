"""A first probe of each lab persona (no probe cache) learns node's versions and ABI from node's files instead of
starting node, and the machine's architecture without getconf where no 32-bit program can run: differential
tests against `node -p`, `uname -m`, `getconf LONG_BIT` and systemd-detect-virt on every persona, the emulated
pi included, over real SSH; probed together, the containers of the lab's machine leave systemd-detect-virt --vm to
the caller, who asks it once per machine, and each one's answer is what its own systemd-detect-virt --vm says."""

import pytest

from fleetctl.facts import gather, probe_hosts
from fleetctl.facts.parsers import NODE_VERSIONS_EXPRESSION, parse_arch, parse_node_versions
from fleetctl.facts.sections import split_sections
from fleetctl.inventory import load_inventory
from fleetctl.transport import connect

PERSONAS = ("server", "vm", "container", "pi", "lb")


@pytest.fixture(scope="module")
def inventory(lab):
    return load_inventory(lab.path)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_first_probe_reads_node_from_its_files_and_node_agrees(lab, inventory, persona):
    name = next(iter(lab.hosts(persona)))
    with connect(inventory.host(name).connection) as transport:
        raw, facts = gather(transport)  # no known node: what a first contact does
        asked = transport.run(["node", "-p", NODE_VERSIONS_EXPRESSION], become=False)
    sections = split_sections(raw)
    assert sections["node_versions"] == "", "the probe started node"
    assert "Package: nodejs" in sections["node_packages"]  # Debian's node, told by dpkg's records
    node = parse_node_versions(asked.stdout)
    assert node is not None, asked.stdout + asked.stderr
    assert (facts.node_version, facts.libuv_version, facts.node_abi) == (node.node, node.libuv, node.abi)
    assert facts.platform is not None and facts.platform.node_abi == node.abi


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_first_probes_architecture_and_virtualization_are_the_tools_answers(lab, inventory, persona):
    name = next(iter(lab.hosts(persona)))
    with connect(inventory.host(name).connection) as transport:
        _, facts = gather(transport)

        def says(*argv: str) -> str:
            return transport.run(list(argv), become=False).stdout.strip()

        machine, long_bit = says("uname", "-m"), says("getconf", "LONG_BIT")
        vm, container = says("systemd-detect-virt", "--vm"), says("systemd-detect-virt", "--container")
    assert (facts.arch, facts.kernel_arch) == parse_arch(machine, long_bit)
    assert (facts.virt_vm or "none", facts.virt_container or "none") == (vm, container)


def test_containers_of_one_machine_share_one_answer_of_systemd_detect_virt_and_it_is_each_ones(lab, inventory):
    names = [next(iter(lab.hosts(persona))) for persona in PERSONAS]
    results = probe_hosts([inventory.host(name).connection for name in names], forks=len(names))
    shared = [result.name for result in results if "==> vm_shared_answer <==" in result.raw]
    assert shared, "no probe left systemd-detect-virt --vm to the caller"
    for result in results:
        assert result.ok, result.error
        with connect(inventory.host(result.name).connection) as transport:
            vm = transport.run(["systemd-detect-virt", "--vm"], become=False).stdout.strip()
        assert (result.facts.virt_vm or "none") == vm, result.name
