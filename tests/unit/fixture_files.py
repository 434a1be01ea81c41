"""The recorded files under tests/unit/fixtures/, reached the same way from a test module at any depth."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
PROBE_FIXTURES = FIXTURES / "probe"  # outputs of probe.sh: on real hosts, on the lab's personas, by hand
INVENTORY_FIXTURES = FIXTURES / "inventories"
# `journalctl --output json` as fleetctl logs runs it, on a lab host: its app's unit, then three entries sent to
# the journal's socket by hand (a message of two lines, one with a byte that is not UTF-8, one in UTF-8).
JOURNAL_FIXTURES = FIXTURES / "journal"


def read_fixture(name: str) -> str:
    """A recorded output of probe.sh."""
    return (PROBE_FIXTURES / name).read_text()
