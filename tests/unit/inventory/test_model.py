"""A loaded inventory's hosts: how to reach each one (ConnectionSpec from the ansible_* variables)."""

from fleetctl.inventory import ConnectionSpec, load_inventory

from ..fixture_files import INVENTORY_FIXTURES as FIXTURES

NESTED = FIXTURES / "nested" / "fleet.yaml"


def test_connection_spec_from_ansible_variables_with_paths_relative_to_the_inventory():
    inventory = load_inventory(NESTED)
    folder = NESTED.parent.resolve()
    assert inventory.host("pi-kitchen").connection == ConnectionSpec(
        name="pi-kitchen",
        address="192.168.1.40",
        port=None,
        user="pi",
        key_file=str(folder / "keys" / "pi_ed25519"),
        connection="ssh",
        become=False,
        known_hosts_file=str(folder / "known_hosts"),
        ssh_common_args=None,
    )
    s2 = inventory.host("s2").connection
    assert (s2.address, s2.port, s2.become) == ("10.0.0.12", 2222, False)
    assert inventory.host("s1").connection.become is True
    assert inventory.host("control").connection.connection == "local"
    assert inventory.host("control").connection.trust_on_first_use is False
    assert inventory.host("s1").vars["fleet_app_src"] == str(folder.parent / "apps" / "shop")
