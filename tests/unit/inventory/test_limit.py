"""--limit: Ansible's host patterns (names, groups, globs, !, &, ~regex), in inventory order."""

import pytest

from fleetctl.inventory import InventoryError, load_inventory

from ..fixture_files import INVENTORY_FIXTURES as FIXTURES

NESTED = FIXTURES / "nested" / "fleet.yaml"


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (None, ["pi-kitchen", "control", "s1", "s2", "s3"]),  # Ansible's order: breadth-first through the groups
        ("all", ["pi-kitchen", "control", "s1", "s2", "s3"]),
        ("servers", ["s1", "s2", "s3"]),  # a group includes its children's hosts
        ("rack1,pi-kitchen", ["pi-kitchen", "s1", "s2"]),
        ("s*", ["s1", "s2", "s3"]),
        ("rack*", ["s1", "s2", "s3"]),
        ("servers,!s2", ["s1", "s3"]),
        ("!servers", ["pi-kitchen", "control"]),
        ("servers,&rack2", ["s3"]),
        (" pis , local ", ["pi-kitchen", "control"]),
        ("~^s[12]$", ["s1", "s2"]),
    ],
)
def test_limit_selects_hosts_in_inventory_order(limit, expected):
    assert [host.name for host in load_inventory(NESTED).select(limit)] == expected


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("webz", "--limit: 'webz' matches no host or group in {path}"),
        ("servers,!sx*", "--limit: '!sx*' matches no host or group in {path}"),
        ("", "--limit: empty pattern"),
        ("servers,,pis", "--limit: empty pattern in 'servers,,pis'"),
        ("~(", "--limit: '~(' is not a valid regular expression: missing ), unterminated subpattern at position 0"),
    ],
)
def test_limit_that_matches_nothing_is_an_error(limit, message):
    inventory = load_inventory(NESTED)
    with pytest.raises(InventoryError) as caught:
        inventory.select(limit)
    assert str(caught.value) == message.format(path=NESTED)
