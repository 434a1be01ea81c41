"""The lab's pure parts: host counts, addresses, the inventory it writes, image recipes; and its device-tree script."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fleetctl.lab.images import ImageRecipe, base_tag_from_dockerfile
from fleetctl.lab.keys import ensure_keypair, known_hosts_line
from fleetctl.lab.lab import DEVICE_TREE_SCRIPT, lab_hosts, render_inventory
from fleetctl.lab.personas import HostCountError, parse_host_counts


def test_default_is_one_host_of_each_persona():
    assert parse_host_counts(None) == {"server": 1, "vm": 1, "container": 1, "pi": 1, "lb": 1}


def test_host_counts_are_parsed():
    assert parse_host_counts("server=40, pi=2") == {"server": 40, "pi": 2}


@pytest.mark.parametrize("text, message", [
    ("mainframe=1", "unknown persona 'mainframe'"),
    ("server", "wants PERSONA=N, got 'server'"),
    ("server=many", "wants PERSONA=N, got 'server=many'"),
])
def test_bad_host_counts_are_one_line_errors(text, message):
    with pytest.raises(HostCountError, match=message):
        parse_host_counts(text)


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


def test_dockerfile_names_the_base_image_per_architecture():
    dockerfile = "ARG ARCH=amd64\nFROM fleetctl-lab/debian:bookworm-${ARCH}\nRUN true\n"
    assert base_tag_from_dockerfile(dockerfile, "arm64") == "fleetctl-lab/debian:bookworm-arm64"
    assert ImageRecipe("amd64").base_tag == "fleetctl-lab/debian:bookworm-amd64"


def test_recipes_differ_per_architecture():
    assert ImageRecipe("amd64").host_hash() != ImageRecipe("arm64").host_hash()
    assert ImageRecipe("amd64").host_hash() == ImageRecipe("amd64").host_hash()


def test_keypair_is_made_once_with_private_mode(tmp_path):
    key = tmp_path / "id_ed25519"
    public = ensure_keypair(key, "me")
    assert public.startswith("ssh-ed25519 ") and public.endswith(" me")
    assert key.stat().st_mode & 0o777 == 0o600
    assert ensure_keypair(key, "other") == public


@pytest.mark.parametrize("port, prefix", [(22, "10.0.0.5 "), (2222, "[10.0.0.5]:2222 ")])
def test_known_hosts_line(port, prefix):
    assert known_hosts_line("10.0.0.5", port, "ssh-ed25519 AAAA root@h") == prefix + "ssh-ed25519 AAAA"


def test_named_labs_have_their_own_prefix_and_subnet():
    [host] = lab_hosts({"vm": 1}, lab_name="fleetctl-bench", subnet="172.31.0.0/16")
    assert (host.name, host.address) == ("fleetctl-bench-vm-1", "172.31.2.1")


@pytest.mark.parametrize("shell", [["dash", "-c"], ["busybox", "sh", "-c"], ["bash", "--posix", "-c"]])
def test_device_tree_model_is_written_nul_terminated_once(shell):
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    if subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs a mount namespace of its own (root and unshare)")
    model = "Raspberry Pi 4 Model B Rev 1.4"
    # In a private mount namespace, as the lab does in a pi container's; the second run finds the model there.
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         '"$@" && "$@" && cat /sys/firmware/devicetree/base/model', "sh",
         *shell, DEVICE_TREE_SCRIPT.read_text(), "sh", model],
        capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == model.encode() + b"\0"
