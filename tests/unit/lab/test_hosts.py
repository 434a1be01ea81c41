"""Which hosts `fleetctl lab up` starts, keeps and removes: named personas converge, the others are left as they are."""

import pytest

from fleetctl.lab.hosts import LabAddressError, PresentHost, free_subnet, plan_hosts
from fleetctl.lab.personas import parse_host_counts

LAB, SUBNET, STATE = "fleetctl-lab", "172.30.0.0/16", "/checkout/.fleetctl/fleetctl-lab"


def present(*names: str, state_dir: str = STATE) -> list[PresentHost]:
    """Containers of the lab, their persona read from the name as the lab labels them."""
    return [PresentHost(name, name.removeprefix(f"{LAB}-").rsplit("-", 1)[0], state_dir) for name in names]


def names(hosts) -> list[str]:
    return [host.name for host in hosts]


RUNNING_LAB = present("fleetctl-lab-server-1", "fleetctl-lab-vm-1", "fleetctl-lab-container-1",
                      "fleetctl-lab-pi-1", "fleetctl-lab-lb-1")


def test_adding_builders_to_a_running_lab_keeps_every_other_host_and_lists_them_all():
    plan = plan_hosts(parse_host_counts("builder=1,armbuilder=1"), RUNNING_LAB, LAB, SUBNET, STATE)
    assert names(plan.start) == ["fleetctl-lab-builder-1", "fleetctl-lab-armbuilder-1"]
    assert names(plan.keep) == names(RUNNING_LAB)
    assert plan.remove == [] and plan.foreign == []
    assert names(plan.inventory) == [*names(RUNNING_LAB), "fleetctl-lab-builder-1", "fleetctl-lab-armbuilder-1"]


def test_builders_get_addresses_of_their_own_beside_the_app_hosts():
    plan = plan_hosts(parse_host_counts("builder=1,armbuilder=1"), RUNNING_LAB, LAB, SUBNET, STATE)
    addresses = {host.name: host.address for host in plan.inventory}
    assert addresses["fleetctl-lab-server-1"] == "172.30.1.1" and addresses["fleetctl-lab-lb-1"] == "172.30.5.1"
    assert addresses["fleetctl-lab-builder-1"] == "172.30.6.1"
    assert addresses["fleetctl-lab-armbuilder-1"] == "172.30.7.1"


def test_plain_up_converges_the_default_personas_and_keeps_running_builders():
    lab = present(*names(RUNNING_LAB), "fleetctl-lab-server-2", "fleetctl-lab-builder-1", "fleetctl-lab-armbuilder-1")
    plan = plan_hosts(parse_host_counts(None), lab, LAB, SUBNET, STATE)
    assert names(plan.start) == names(RUNNING_LAB)
    assert plan.remove == ["fleetctl-lab-server-2"]
    assert names(plan.keep) == ["fleetctl-lab-builder-1", "fleetctl-lab-armbuilder-1"]


def test_a_zero_count_removes_that_personas_hosts_only():
    lab = present(*names(RUNNING_LAB), "fleetctl-lab-builder-1", "fleetctl-lab-armbuilder-1")
    plan = plan_hosts(parse_host_counts("builder=0,armbuilder=0"), lab, LAB, SUBNET, STATE)
    assert plan.start == []
    assert plan.remove == ["fleetctl-lab-armbuilder-1", "fleetctl-lab-builder-1"]
    assert names(plan.inventory) == names(RUNNING_LAB)


def test_hosts_made_from_another_state_dir_or_of_an_unknown_persona_are_left_alone_and_out_of_the_inventory():
    lab = [*present("fleetctl-lab-server-1"), *present("fleetctl-lab-pi-1", state_dir="/other/checkout"),
           PresentHost("fleetctl-lab-mainframe-1", "mainframe", STATE)]
    plan = plan_hosts(parse_host_counts("builder=1"), lab, LAB, SUBNET, STATE)
    assert plan.foreign == ["fleetctl-lab-mainframe-1", "fleetctl-lab-pi-1"]
    assert plan.remove == []
    assert names(plan.inventory) == ["fleetctl-lab-server-1", "fleetctl-lab-builder-1"]


def test_a_named_persona_is_made_whatever_made_its_present_host():
    # Named personas are ensured as before: the lab keeps or remakes such a host when it starts it.
    lab = present("fleetctl-lab-pi-1", state_dir="/other/checkout")
    plan = plan_hosts(parse_host_counts("pi=1"), lab, LAB, SUBNET, STATE)
    assert names(plan.start) == ["fleetctl-lab-pi-1"] and plan.foreign == [] and plan.remove == []


def test_plain_hosts_are_numbered_past_the_other_personas_blocks_as_far_as_the_subnet_goes():
    plan = plan_hosts(parse_host_counts("plain=500"), [], "fleetctl-scale", "172.24.0.0/16", STATE)
    addresses = [host.address for host in plan.start]
    assert addresses[0] == "172.24.16.1" and addresses[255] == "172.24.17.0" and addresses[-1] == "172.24.17.244"
    assert len(set(addresses)) == 500
    assert names(plan.start)[-1] == "fleetctl-scale-plain-500"


def test_a_subnet_too_small_for_a_host_is_a_one_line_error():
    plan = plan_hosts(parse_host_counts("plain=10"), [], LAB, "172.30.0.0/24", STATE)
    with pytest.raises(LabAddressError, match="fleetctl-lab-plain-1: subnet 172.30.0.0/24 has no address"):
        plan.start[0].address


def test_a_free_subnet_is_the_preferred_one_unless_a_network_on_the_engine_overlaps_it():
    assert free_subnet("172.27.0.0/16", ["172.17.0.0/16", "172.30.0.0/16", "fd00::/64"]) == "172.27.0.0/16"
    # Another lab took it (what made CI fail once), or a network inside it.
    assert free_subnet("172.27.0.0/16", ["172.27.0.0/16", "172.20.0.0/16"]) == "172.21.0.0/16"
    assert free_subnet("172.27.0.0/16", ["172.27.5.0/24"], spare=("172.27.0.0/16", "10.9.0.0/16")) == "10.9.0.0/16"
    with pytest.raises(LabAddressError, match="every subnet tried overlaps"):
        free_subnet("172.27.0.0/16", ["172.16.0.0/12"], spare=("172.20.0.0/16",))
