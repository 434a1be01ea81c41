"""A group's hosts in Ansible's order: the group's own, then its descendants level by level."""

from types import SimpleNamespace

from fleetctl.inventory.grouphosts import descendants, group_host_names


def group(children=(), hosts=()):
    return SimpleNamespace(children=tuple(children), hosts=tuple(hosts))


GROUPS = {
    "all": group(["ungrouped", "web", "db"], ["solo"]),
    "ungrouped": group([], ["solo"]),
    "web": group(["web_eu", "web_us"], ["w0"]),
    "web_eu": group(["edge"], ["w1", "w2"]),
    "web_us": group(["edge"], ["w3"]),
    "edge": group([], ["e1", "w1"]),
    "db": group(["db_eu"], ["d0"]),
    "db_eu": group([], ["d1"]),
}


def test_descendants_are_breadth_first_each_once():
    assert descendants(GROUPS, "all") == ["all", "ungrouped", "web", "db", "web_eu", "web_us", "db_eu", "edge"]
    assert descendants(GROUPS, "edge") == ["edge"]


def test_a_groups_hosts_follow_its_descendants_each_host_once():
    assert group_host_names(GROUPS, "all") == ["solo", "w0", "d0", "w1", "w2", "w3", "d1", "e1"]
    assert group_host_names(GROUPS, "web") == ["w0", "w1", "w2", "w3", "e1"]
