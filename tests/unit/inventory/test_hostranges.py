"""Ansible's host ranges: web[01:03]."""

from fleetctl.inventory.hostranges import expand_host_pattern


def test_host_ranges_expand():
    assert expand_host_pattern("web[01:03]") == ["web01", "web02", "web03"]
    assert expand_host_pattern("n[0:6:3]-[a:b]") == ["n0-a", "n0-b", "n3-a", "n3-b", "n6-a", "n6-b"]
    assert expand_host_pattern("plain") == ["plain"]
