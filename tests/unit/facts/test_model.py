"""Facts, the values the decision table reads."""

import pytest

from fleetctl.facts import parse_probe

from ..fixture_files import read_fixture


def test_facts_are_frozen():
    facts = parse_probe(read_fixture("kvm-vm.txt"))
    with pytest.raises(AttributeError):
        facts.kind = "server"  # type: ignore[misc]
