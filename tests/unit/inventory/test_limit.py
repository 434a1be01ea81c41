"""--limit: Ansible's host patterns, split, matched, ordered and reported as ansible-core 2.19 does.

test_ansible_differential.py runs the same patterns through ansible-core itself; these pin the rules one by one.
"""

import pytest

from fleetctl.inventory import InventoryError, load_inventory
from fleetctl.inventory.limit import select, select_hosts, split_limit

from ..fixture_files import INVENTORY_FIXTURES as FIXTURES

NESTED = FIXTURES / "nested" / "fleet.yaml"
PATTERNS = FIXTURES / "patterns" / "hosts.yaml"


@pytest.mark.parametrize(
    ("limit", "patterns"),
    [
        ("webservers,dbservers", ["webservers", "dbservers"]),
        (" webservers , dbservers ,, ", ["webservers", "dbservers"]),
        ("webservers:dbservers", ["webservers", "dbservers"]),
        ("webservers dbservers", ["webservers", "dbservers"]),  # without a comma, whitespace separates too
        ("all:!dbservers", ["all", "!dbservers"]),
        ("webservers:dbservers:&staging:!phoenix", ["webservers", "dbservers", "&staging", "!phoenix"]),
        ("webservers[1:3]", ["webservers[1:3]"]),  # a whole [...] stays with its pattern
        ("webservers[1:3]:dbservers", ["webservers[1:3]", "dbservers"]),
        ("fe80::1", ["fe80::1"]),  # one IPv6 address: not split on ':'
        ("2001:db8::1,web1", ["2001:db8::1", "web1"]),
        ("[2001:db8::1]:22", ["[2001:db8::1]:22"]),
        ("db1:22", ["db1:22"]),  # a host and port, as Ansible reads it: one pattern (matching no host)
        ("web1:db1,dbservers", ["web1:db1", "dbservers"]),  # with a comma, ':' does not separate
        ("@hosts.txt", ["@hosts.txt"]),
    ],
)
def test_a_limit_splits_into_patterns_as_ansible_splits_it(limit, patterns):
    assert split_limit(limit) == patterns


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (None, ["cobweb", "web1", "web2", "web3", "db1", "db2"]),
        ("all", ["cobweb", "web1", "web2", "web3", "db1", "db2"]),
        ("webservers", ["web1", "web2", "web3"]),
        ("east", ["web1", "web2", "web3", "db1", "db2"]),  # a group includes its children's hosts
        ("web1,db2", ["web1", "db2"]),
        ("db2,web1", ["web1", "db2"]),  # inventory order, whatever the patterns' order
        ("webservers:dbservers", ["web1", "web2", "web3", "db1", "db2"]),
        ("all:!dbservers", ["cobweb", "web1", "web2", "web3"]),
        ("webservers:&prod", ["web1"]),
        ("webservers:dbservers:&staging:!phoenix", ["web2", "db2"]),
        ("!phoenix,webservers", ["web1", "web2"]),  # '!' applies after the plain patterns, wherever it stands
        ("!phoenix", ["cobweb", "web1", "web2", "db1", "db2"]),  # only '!' or '&': from all
        ("&staging", ["web2", "web3", "db2"]),
        ("web*", ["web1", "web2", "web3"]),  # a glob matches group names and host names
        ("*b", ["cobweb"]),
        ("e*", ["web1", "web2", "web3", "db1", "db2"]),  # the group east
        ("ungrouped", ["cobweb"]),  # a host under all: hosts: is in no other group
        ("a*", ["cobweb", "web1", "web2", "web3", "db1", "db2"]),  # globs match the group all too
        ("Web*", None),  # case matters
        ("~web", ["web1", "web2", "web3"]),  # a regex matches from the start of the name (re.match)
        ("~eb", None),
        ("~.*eb", ["cobweb", "web1", "web2", "web3"]),
        ("~(web|db)1$", ["web1", "db1"]),
        ("webservers[0]", ["web1"]),  # a subscript picks from what the pattern matches, in group order
        ("webservers[-1]", ["web3"]),
        ("webservers[1:2]", ["web2", "web3"]),  # inclusive
        ("webservers[1:]", ["web2", "web3"]),
        ("webservers[2:0]", ["web3"]),  # Ansible reads an end of 0 as no end: [2]
        ("east[2:3]", ["web3", "db1"]),
        ("web*[0]", ["web1"]),
        ("webservers[0],dbservers[-1]", ["web1", "db2"]),
        ("webservers:!webservers[0]", ["web2", "web3"]),
        ("web[1]", None),  # a subscript of 'web', which names nothing: not the host web1
    ],
)
def test_a_limit_selects_what_ansible_selects_in_inventory_order(limit, expected):
    selection = select(load_inventory(PATTERNS), limit)
    assert [host.name for host in selection.hosts] == (expected or [])


def test_a_pattern_that_matches_nothing_is_a_warning_and_is_ignored():
    selection = select(load_inventory(PATTERNS), "webservers,webz,!dbz*,&webservers,webz")
    assert [host.name for host in selection.hosts] == ["web1", "web2", "web3"]
    assert selection.warnings == (
        "Could not match supplied host pattern, ignoring: webz",
        "Could not match supplied host pattern, ignoring: dbz*",
    )


@pytest.mark.parametrize("limit", ["ungrouped", "localhost", "127.0.0.1", "::1"])
def test_ansibles_own_names_match_nothing_without_a_warning(limit):
    # 'ungrouped' always exists in Ansible (empty here); localhost is Ansible's implicit host, never in all.
    selection = select(load_inventory(NESTED), limit)
    assert (selection.hosts, selection.warnings) == ([], ())


@pytest.mark.parametrize("limit", ["localhost", "127.0.0.1", "::1"])
def test_any_localhost_name_selects_the_inventorys_localhost(limit, tmp_path):
    inventory = tmp_path / "hosts.yaml"
    inventory.write_text("all:\n  hosts:\n    web1:\n    localhost:\n      ansible_connection: local\n")
    selection = select(load_inventory(inventory), limit)
    assert ([host.name for host in selection.hosts], selection.warnings) == (["localhost"], ())


def test_an_old_x_y_subscript_still_works_with_ansibles_warning():
    selection = select(load_inventory(PATTERNS), "webservers[0-1]")
    assert [host.name for host in selection.hosts] == ["web1", "web2"]
    assert selection.warnings == ("Use [x:y] inclusive subscripts instead of [x-y] which has been removed",)


def test_a_host_name_is_that_host_even_when_a_group_has_its_name(tmp_path):
    inventory = tmp_path / "hosts.yaml"
    inventory.write_text("all:\n  hosts:\n    app:\n  children:\n    app:\n      hosts:\n        a1:\n        a2:\n")
    loaded = load_inventory(inventory)
    # As in Ansible: a plain pattern that is a host's name is the host; behind & or ! it is the group.
    assert [host.name for host in select(loaded, "app").hosts] == ["app"]
    assert [host.name for host in select(loaded, "!app").hosts] == ["app"]
    assert [host.name for host in select(loaded, "a*").hosts] == ["app", "a1", "a2"]


def test_a_glob_over_host_names_subscripts_them_in_the_order_they_were_first_read(tmp_path):
    inventory = tmp_path / "hosts.yaml"
    inventory.write_text("all:\n  children:\n    a:\n      children:\n        a1:\n          hosts:\n"
                         "            x1:\n    b:\n      hosts:\n        x2:\n")
    loaded = load_inventory(inventory)
    assert [host.name for host in loaded.hosts] == ["x2", "x1"]  # all's order: a level first, then the next
    # ansible -i hosts.yaml 'x*[0]' --list-hosts (ansible-core 2.19) prints x1: host names come as first read.
    assert [host.name for host in select(loaded, "x*[0]").hosts] == ["x1"]


def test_a_limit_file_holds_one_pattern_a_line(tmp_path, monkeypatch):
    (tmp_path / "retry").write_text("web1\n\n  dbservers  \n!db1\nweb2:web3\n")
    monkeypatch.chdir(tmp_path)
    selection = select(load_inventory(PATTERNS), "@retry,cobweb")
    # A line is one pattern, never split again: 'web2:web3' names nothing.
    assert [host.name for host in selection.hosts] == ["cobweb", "web1", "db2"]
    assert selection.warnings == ("Could not match supplied host pattern, ignoring: web2:web3",)


def test_the_hosts_of_nested_groups_come_in_ansibles_group_order():
    inventory = load_inventory(NESTED)
    # servers holds rack1 (s1, s2) and rack2 (s3); all holds servers, pis, local: a level first, then the next.
    assert [host.name for host in select(inventory, "all[0:1]").hosts] == ["pi-kitchen", "control"]
    assert [host.name for host in select(inventory, "servers[-1]").hosts] == ["s3"]


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("webz", "--limit 'webz' leaves no host of {path} to act on"),
        ("webservers:&dbservers", "--limit 'webservers:&dbservers' leaves no host of {path} to act on"),
        ("", "--limit: '' holds no host pattern"),  # Ansible reads an empty limit as none: every host
        (" , ,", "--limit: ' , ,' holds no host pattern"),
        ("webservers,!", "--limit: empty pattern '!'"),
        ("webservers[3]", "--limit: no hosts matched the subscripted pattern 'webservers[3]'"),
        ("!webservers[-4]", "--limit: no hosts matched the subscripted pattern 'webservers[-4]'"),
        ("~(", "--limit: '~(' is not a valid pattern: missing ), unterminated subpattern at position 0"),
        ("@nowhere.txt", "--limit: unable to find limit file nowhere.txt"),
        ("@.", "--limit: a limit starting with '@' must be a file, not a directory: ."),
    ],
)
def test_a_limit_that_selects_nothing_or_cannot_be_read_is_an_error(limit, message, tmp_path, monkeypatch):
    inventory = load_inventory(PATTERNS)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InventoryError) as caught:
        select_hosts(inventory, limit)
    assert str(caught.value) == message.format(path=PATTERNS)


def test_an_empty_limit_file_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "empty").write_text("\n\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InventoryError, match=r"^--limit: '@empty' holds no host pattern$"):
        select_hosts(load_inventory(PATTERNS), "@empty")


def test_warnings_reach_the_caller_before_the_error():
    seen = []
    with pytest.raises(InventoryError):
        select_hosts(load_inventory(PATTERNS), "webz", warn=seen.append)
    assert seen == ["Could not match supplied host pattern, ignoring: webz"]
