"""fleet_roles: a role's folder beside the inventory wins over a built-in one; an unknown role names the line."""

import pytest

from fleetctl.inventory import InventoryError, load_inventory

from ..inventories_with_roles import write


def test_an_inventory_role_folder_wins_over_a_built_in_one(tmp_path):
    write(tmp_path / "roles" / "node" / "defaults.yaml", "node_min_major: 20\n")
    text = "all:\n  hosts:\n    h1:\n      fleet_roles: [node]\n"
    inventory = load_inventory(write(tmp_path / "inventory.yaml", text))
    assert inventory.host("h1").vars["node_min_major"] == 20
    assert inventory.host("h1").vars["fleet_roles"] == [str((tmp_path / "roles" / "node").resolve())]


def test_an_unknown_role_names_the_inventory_line(tmp_path):
    text = "all:\n  hosts:\n    h1:\n      fleet_roles: [nope]\n"
    with pytest.raises(InventoryError) as error:
        load_inventory(write(tmp_path / "inventory.yaml", text))
    assert str(error.value).startswith(f"{tmp_path / 'inventory.yaml'}:4: fleet_roles: no role 'nope'")
