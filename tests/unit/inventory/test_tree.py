"""Groups and hosts with Ansible's rules: all and ungrouped, orphans under all, depth, and the hosts' order."""

import pytest

from fleetctl.inventory import InventoryError
from fleetctl.inventory.tree import ALL, UNGROUPED, InventoryTree

HERE = ("inv", 1)


def tree_of(groups: dict[str, list[str]], hosts: dict[str, list[str]]) -> InventoryTree:
    """groups: name -> children; hosts: group -> host names; then reconciled."""
    tree = InventoryTree()
    for name in {**groups, **hosts}:
        tree.add_group(name, HERE)
    for name, children in groups.items():
        for child in children:
            tree.add_group(child, HERE)
            tree.add_child(name, child, HERE)
    for group, names in hosts.items():
        for host in names:
            tree.add_host(host, group, HERE)
    tree.reconcile()
    return tree


def test_all_and_ungrouped_always_exist_and_orphans_join_all_after_its_children():
    tree = tree_of({ALL: ["b"]}, {"a": ["h1"], ALL: ["h2"]})
    assert tree.groups[ALL].children == [UNGROUPED, "b", "a"]
    assert tree.groups[UNGROUPED].hosts == ["h2"]  # in no group but all
    assert (tree.groups["a"].depth, tree.groups[UNGROUPED].depth) == (1, 1)


def test_a_host_in_another_group_leaves_ungrouped():
    tree = tree_of({}, {UNGROUPED: ["h1", "h2"], "web": ["h1"]})
    assert tree.groups[UNGROUPED].hosts == ["h2"]
    assert tree.hosts["h1"].direct_groups == ["web"]


def test_depth_is_the_longest_path_from_all():
    tree = tree_of({"a": ["b", "c"], "b": ["c"], "c": ["d"]}, {"d": ["h"]})
    assert [tree.groups[name].depth for name in "abcd"] == [1, 2, 3, 4]


def test_hosts_in_breadth_first_order_each_level_in_the_order_reached():
    tree = tree_of({ALL: ["x", "y"], "x": ["x1"], "y": ["y1"], "x1": ["x2"]},
                   {"y1": ["h_y1"], "x1": ["h_x1"], "x2": ["h_x2"], "y": ["h_y"], ALL: ["top"], "x": ["h_y"]})
    assert tree.hosts_in_order(ALL) == ["top", "h_y", "h_x1", "h_y1", "h_x2"]
    assert tree.hosts_in_order("x") == ["h_y", "h_x1", "h_x2"]


def test_a_loop_is_refused_where_it_is_written():
    tree = InventoryTree()
    for name in "ab":
        tree.add_group(name, HERE)
    tree.add_child("a", "b", HERE)
    with pytest.raises(InventoryError, match=r"^inv:7: adding group a as a child of b makes a loop"):
        tree.add_child("b", "a", ("inv", 7))


def test_a_port_counts_where_the_host_is_first_listed():
    tree = InventoryTree()
    tree.add_group("a", HERE)
    tree.add_host("h", "a", HERE, port=2201)
    tree.add_host("h", "a", HERE, port=2202)
    assert tree.hosts["h"].vars == {"ansible_port": 2201}


def test_ansible_group_priority_is_the_groups_priority_not_a_variable():
    tree = InventoryTree()
    tree.add_group("a", HERE)
    tree.set_group_var("a", "ansible_group_priority", "7", HERE)
    assert (tree.groups["a"].priority, tree.groups["a"].vars) == (7, {})
    with pytest.raises(InventoryError, match="ansible_group_priority of group a must be an integer, got None"):
        tree.set_group_var("a", "ansible_group_priority", None, HERE)
