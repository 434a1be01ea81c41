"""The YAML reader: Ansible's shorthands and where it skips with a warning rather than failing."""

import pytest

from fleetctl.inventory import InventoryError
from fleetctl.inventory.tree import InventoryTree
from fleetctl.inventory.yamlinventory import read_yaml_inventory
from fleetctl.yamlfile import parse_yaml


def read(text: str) -> InventoryTree:
    tree = InventoryTree()
    read_yaml_inventory(parse_yaml(text, "inv.yml"), "inv.yml", tree)
    return tree


def test_shorthands_a_name_as_a_string_and_a_port_in_a_host_key():
    tree = read("web:\n  hosts: solo\n  children: db\n  vars: flag\ndb:\n  hosts:\n    db1.example.com:2222:\n")
    assert tree.groups["web"].hosts == ["solo"] and tree.groups["web"].children == ["db"]
    assert tree.groups["web"].vars == {"flag": None}
    assert tree.hosts["db1.example.com"].vars == {"ansible_port": 2222}
    assert tree.hosts["db1.example.com"].origins["ansible_port"] == ("inv.yml", 7)


def test_every_variable_keeps_its_file_and_line():
    tree = read("all:\n  vars:\n    a: 1\n  hosts:\n    h1:\n      b: 2\n")
    assert tree.groups["all"].origins == {"a": ("inv.yml", 3)}
    assert tree.hosts["h1"].origins == {"b": ("inv.yml", 6)}


def test_a_child_that_is_not_a_group_is_an_error_but_a_top_level_one_a_warning():
    assert read("odd: [1]\nall:\n  hosts: {h: }\n").warnings == [
        "inv.yml:1: skipping odd: a group must be a mapping of hosts, children and vars, got a list"]
    with pytest.raises(InventoryError, match=r"^inv.yml:3: group odd must be a mapping"):
        read("all:\n  children:\n    odd: text\n")
