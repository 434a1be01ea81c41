"""`fleetctl logs`: the journal of the app's unit on many hosts, read or followed, merged in time order."""

from fleetctl.logs.journal import JournalEntry, JournalParseError, JournalQuery, parse_since
from fleetctl.logs.merge import HOLD_SECONDS, ReorderWindow, merge_journals
from fleetctl.logs.read import Follow, HostJournal, Notice, journal_query, read_journals

__all__ = [
    "Follow",
    "HOLD_SECONDS",
    "HostJournal",
    "JournalEntry",
    "JournalParseError",
    "JournalQuery",
    "Notice",
    "ReorderWindow",
    "journal_query",
    "merge_journals",
    "parse_since",
    "read_journals",
]
