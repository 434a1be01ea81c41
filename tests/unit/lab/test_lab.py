"""The lab's hosts (names, addresses per persona, per named lab), the inventory it writes (builders in groups of their
own with no app, each app group pointed at the builder of its architecture, read by fleetctl itself), its device-tree
script."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fleetctl.inventory import load_inventory
from fleetctl.lab.lab import DEVICE_TREE_SCRIPT, lab_hosts, render_inventory
from fleetctl.lab.personas import PERSONAS, parse_host_counts
from fleetctl.plan import check_deployable


def test_hosts_get_stable_distinct_addresses_per_persona():
    hosts = lab_hosts({"server": 50, "pi": 1})
    addresses = [host.address for host in hosts]
    assert len(set(addresses)) == 51
    assert hosts[0].name == "fleetctl-lab-server-1" and hosts[0].address == "172.30.1.1"
    assert hosts[-1].name == "fleetctl-lab-pi-1" and hosts[-1].address == "172.30.4.1"


def test_inventory_is_ansible_yaml_with_a_group_per_persona_and_checked_host_keys():
    text = render_inventory(lab_hosts({"server": 2, "pi": 1}), Path("/lab/id_ed25519"), Path("/lab/known_hosts"))
    inventory = yaml.safe_load(text)["all"]
    assert inventory["vars"]["ansible_user"] == "deploy"
    assert inventory["vars"]["fleet_known_hosts_file"] == "/lab/known_hosts"
    assert "StrictHostKeyChecking=yes" in inventory["vars"]["ansible_ssh_common_args"]
    assert inventory["children"]["server"] == {
        "hosts": {
            "fleetctl-lab-server-1": {"ansible_host": "172.30.1.1"},
            "fleetctl-lab-server-2": {"ansible_host": "172.30.1.2"},
        },
        "vars": {"fleet_kind": "server"},
    }
    assert inventory["children"]["pi"] == {"hosts": {"fleetctl-lab-pi-1": {"ansible_host": "172.30.4.1"}}}


def test_named_labs_have_their_own_prefix_and_subnet():
    [host] = lab_hosts({"vm": 1}, lab_name="fleetctl-bench", subnet="172.31.0.0/16")
    assert (host.name, host.address) == ("fleetctl-bench-vm-1", "172.31.2.1")


@pytest.mark.parametrize("shell", [["dash", "-c"], ["busybox", "sh", "-c"], ["bash", "--posix", "-c"]])
def test_device_tree_model_is_written_nul_terminated_once(shell):
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    # The suite runs as root (setup-machine.sh), which may make a mount namespace of its own.
    assert subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0, \
        "this test needs a mount namespace of its own: run the suite as root"
    model = "Raspberry Pi 4 Model B Rev 1.4"
    # In a private mount namespace, as the lab does in a pi container's; the second run finds the model there.
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         '"$@" && "$@" && cat /sys/firmware/devicetree/base/model', "sh",
         *shell, DEVICE_TREE_SCRIPT.read_text(), "sh", model],
        capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == model.encode() + b"\0"


EVERY_PERSONA = {name: 1 for name in PERSONAS}


def render(counts: dict[str, int]) -> dict:
    return yaml.safe_load(render_inventory(lab_hosts(counts), Path("/lab/id_ed25519"), Path("/lab/known_hosts")))


def test_builders_have_groups_of_their_own_without_an_app_or_roles():
    groups = render(EVERY_PERSONA)["all"]["children"]
    assert groups["builder"] == {"hosts": {"fleetctl-lab-builder-1": {"ansible_host": "172.30.6.1"}},
                                 "vars": {"fleet_app_name": None}}
    assert groups["armbuilder"] == {"hosts": {"fleetctl-lab-armbuilder-1": {"ansible_host": "172.30.7.1"}},
                                    "vars": {"fleet_app_name": None}}


def test_app_groups_name_the_builder_of_their_architecture():
    groups = render(EVERY_PERSONA)["all"]["children"]
    build_hosts = {name: group.get("vars", {}).get("fleet_build_host") for name, group in groups.items()}
    assert build_hosts == {
        "server": "fleetctl-lab-builder-1", "vm": "fleetctl-lab-builder-1", "container": "fleetctl-lab-builder-1",
        "pi": "fleetctl-lab-armbuilder-1",
        "lb": None, "builder": None, "armbuilder": None,  # no app to build
        "plain": "fleetctl-lab-builder-1", "capped": "fleetctl-lab-builder-1",
    }
    assert groups["server"]["vars"] == {"fleet_kind": "server", "fleet_build_host": "fleetctl-lab-builder-1"}


def test_without_builders_no_group_names_a_build_host():
    text = render_inventory(lab_hosts(parse_host_counts(None)), Path("/lab/id"), Path("/lab/known_hosts"))
    assert "fleet_build_host" not in text and "builder" not in text


def test_an_amd64_builder_alone_serves_the_amd64_groups_only():
    groups = render({"server": 1, "pi": 1, "builder": 2})["all"]["children"]
    assert groups["server"]["vars"]["fleet_build_host"] == "fleetctl-lab-builder-1"
    assert "vars" not in groups["pi"]


def test_fleetctl_reads_the_inventory_with_builders(tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text(render_inventory(lab_hosts(EVERY_PERSONA), tmp_path / "id_ed25519", tmp_path / "known_hosts"))
    inventory = load_inventory(path)
    pi = inventory.host("fleetctl-lab-pi-1")
    assert pi.vars["fleet_build_host"] == "fleetctl-lab-armbuilder-1" and pi.app is not None
    builder = inventory.host("fleetctl-lab-armbuilder-1")
    assert builder.app is None and builder.rollout.roles == () and builder.vars["fleet_build_host"] is None
    assert [host.name for host in inventory.select("builder,armbuilder")] == [
        "fleetctl-lab-builder-1", "fleetctl-lab-armbuilder-1"]


def test_the_app_hosts_deploy_with_the_builders_left_out(tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text(render_inventory(lab_hosts(EVERY_PERSONA), tmp_path / "id_ed25519", tmp_path / "known_hosts"))
    hosts = load_inventory(path).select("!*builder")
    personas = ("server", "vm", "container", "pi", "lb", "plain", "capped")
    assert [host.name for host in hosts] == [f"fleetctl-lab-{name}-1" for name in personas]
    check_deployable(hosts)  # what the inventory's header and the README say to pass deploy
