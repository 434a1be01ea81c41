"""Node version ranges as a table's node_version match writes them."""

import pytest

from fleetctl.policy.versions import parse_range, parse_version, version_in_range


@pytest.mark.parametrize(
    ("version", "spec", "inside"),
    [
        ("18.19.0", ">=18", True),
        ("v16.20.2", ">=18", False),
        ("20.11.1", ">=18 <21", True),
        ("21.0.0", ">=18, <21", False),
        ("20.11.1", "20", True),
        ("20.11.1", "==20.11", True),
        ("20.12.0", "20.11", False),
        ("18.0.0", ">18", False),
        ("18.0.1", ">18", True),
        ("22.1.0", "<=22.1", True),
        ("19.0.0", ">= 18 < 20", True),
    ],
)
def test_version_ranges(version, spec, inside):
    assert version_in_range(parse_version(version), parse_range(spec)) is inside


def test_malformed_version_range():
    with pytest.raises(ValueError, match="is not a comparison"):
        parse_range(">= eighteen")
