"""An output is the probe's, whole, or refused: the banner and end sections, noise before them."""

import pytest

from fleetctl.facts import ProbeParseError, parse_probe

from ..fixture_files import read_fixture


def test_output_that_is_not_the_probe_is_refused():
    with pytest.raises(ProbeParseError, match="not from the fleetctl probe"):
        parse_probe("Permission denied\n")


def test_truncated_output_is_refused():
    raw = read_fixture("kvm-vm.txt")
    with pytest.raises(ProbeParseError, match="truncated"):
        parse_probe(raw[: raw.index("==> os_release <==")])


def test_noise_before_the_first_section_is_ignored():
    raw = "Welcome to the jungle\n" + read_fixture("kvm-vm.txt")
    assert parse_probe(raw) == parse_probe(read_fixture("kvm-vm.txt"))
