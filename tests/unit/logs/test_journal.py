"""The journalctl commands as data, the parser on a recorded `journalctl --output json` (in chunks cut anywhere
too), --since."""

import json
from datetime import datetime

import pytest

from fleetctl.errors import InputError
from fleetctl.logs.journal import (
    EntryStream, JournalEntry, JournalParseError, JournalQuery, follow_command, found_nothing, parse_entries,
    parse_entry, parse_read, parse_since, read_command,
)

from ..fixture_files import JOURNAL_FIXTURES

RECORDED = (JOURNAL_FIXTURES / "lab-server-fleet-hello.jsonl").read_text()
BASE = ["journalctl", "--unit", "fleet-hello.service", "--output", "json", "--output-fields",
        "MESSAGE,PRIORITY,SYSLOG_IDENTIFIER,_PID", "--all", "--no-pager"]


def test_read_command_asks_for_the_units_entries_with_the_querys_limits():
    assert read_command(JournalQuery("fleet-hello.service")) == BASE
    query = JournalQuery("fleet-hello.service", lines=100, since=1796165000, grep="error|warn")
    assert read_command(query) == [*BASE, "--grep", "error|warn", "--since", "@1796165000", "--lines", "100",
                                   "--reverse"]


def test_the_last_lines_come_newest_first_and_are_put_back_in_the_journals_order():
    # journalctl reverses --lines with --grep on its own: fleetctl asks for --reverse always, and turns it back.
    entries = parse_entries("web1", RECORDED)
    newest_first = "\n".join(reversed(RECORDED.splitlines()))
    assert parse_read("web1", newest_first, JournalQuery("u", lines=9)) == (entries, entries[-1].cursor)
    assert parse_read("web1", newest_first, JournalQuery("u", lines=20)) == (entries, entries[-1].cursor)
    assert parse_read("web1", RECORDED, JournalQuery("u")) == (entries, entries[-1].cursor)
    assert parse_read("web1", "", JournalQuery("u", lines=9)) == ([], None)


def test_no_lines_asked_for_still_reads_the_newest_one_for_its_cursor():
    # -n 0 --follow: nothing from before, and the follow starts after the newest entry (without a cursor it
    # would start at the journal's beginning).
    assert read_command(JournalQuery("u", lines=0))[-3:] == ["--lines", "1", "--reverse"]
    newest = RECORDED.splitlines()[-1]
    assert parse_read("web1", newest, JournalQuery("u", lines=0)) == ([], parse_entry("web1", newest).cursor)


def test_a_grep_that_matches_nothing_exits_1_saying_nothing_and_that_is_no_error():
    grep = JournalQuery("u", grep="x")
    assert found_nothing(grep, 1, "", "")
    assert not found_nothing(grep, 1, "", 'Bad pattern "(": missing closing parenthesis\n')
    assert not found_nothing(grep, 0, "", "") and not found_nothing(grep, 2, "", "")
    assert not found_nothing(JournalQuery("u"), 1, "", "")  # without --grep, exit 1 is a failure


def test_a_follow_resumes_after_the_cursor_and_shows_all_from_there():
    query = JournalQuery("fleet-hello.service", lines=10, since=1796165000, grep="x")
    # After a cursor, --since and --lines no longer matter: everything after it that matches.
    assert follow_command(query, "s=1;i=2") == [*BASE, "--grep", "x", "--after-cursor", "s=1;i=2", "--no-tail",
                                                "--follow"]


def test_a_follow_without_a_cursor_shows_every_match_as_none_was_shown():
    query = JournalQuery("fleet-hello.service", lines=10, since=1796165000)
    assert follow_command(query, None) == [*BASE, "--since", "@1796165000", "--no-tail", "--follow"]
    assert follow_command(JournalQuery("fleet-hello.service", lines=10), None) == [*BASE, "--no-tail", "--follow"]


def test_the_recorded_output_parses_into_entries_in_the_journals_order():
    entries = parse_entries("web1", RECORDED)
    assert len(entries) == 9 and {entry.host for entry in entries} == {"web1"}
    assert entries[0] == JournalEntry(
        host="web1", timestamp_us=1796165092462759,
        cursor="s=d0cd1d323f8c42cf9c1218bcff0f48ea;i=269;b=16ec1643f7c740d0ae85d673494cd988;m=269ab7c66;"
               "t=6619a464b50a7;x=e4d0454d6f32d111",
        message="hello 1.0.0 listening on 3000", identifier="hello", pid=50, priority=6)
    assert [entry.timestamp_us for entry in entries] == sorted(entry.timestamp_us for entry in entries)


def test_a_message_of_several_lines_a_byte_that_is_not_utf8_and_utf8_text():
    messages = [entry.message for entry in parse_entries("web1", RECORDED)[-3:]]
    # journalctl writes the message that is not UTF-8 as an array of its bytes.
    assert messages == ["first line\nsecond line", "bad \ufffd byte", "caf\u00e9 \u2713"]


def test_an_entry_as_json_has_its_time_in_utc_to_the_microsecond():
    entry = parse_entries("web1", RECORDED)[0]
    assert entry.to_dict() == {"host": "web1", "time": "2026-12-01T22:44:52.462759+00:00", "identifier": "hello",
                               "pid": 50, "priority": 6, "message": "hello 1.0.0 listening on 3000",
                               "cursor": entry.cursor}
    assert datetime.fromisoformat(entry.to_dict()["time"]).timestamp() == 1796165092.462759


def test_missing_optional_fields_are_none_and_a_repeated_field_is_its_values():
    entry = parse_entry("h", '{"__CURSOR": "c", "__REALTIME_TIMESTAMP": "5", "MESSAGE": ["a", "b"]}')
    assert (entry.message, entry.identifier, entry.pid, entry.priority) == ("a\nb", None, None, None)


@pytest.mark.parametrize("line", [
    "not json", "{}", "[1, 2]", '{"__CURSOR": "c"}', '{"__CURSOR": "c", "__REALTIME_TIMESTAMP": "x"}',
    '{"__CURSOR": "c", "__REALTIME_TIMESTAMP": "1", "MESSAGE": {"a": 1}}',
])
def test_a_line_that_is_not_an_entry_is_a_one_line_error(line):
    with pytest.raises(JournalParseError) as failed:
        parse_entry("h", line)
    assert "\n" not in str(failed.value) and str(failed.value).startswith("not a journal entry")


@pytest.mark.parametrize("size", [1, 2, 7, 100, 4096])
def test_a_stream_cut_into_chunks_anywhere_gives_the_same_entries(size):
    data = RECORDED.encode()
    stream = EntryStream("web1")
    entries = [entry for start in range(0, len(data), size) for entry in stream.feed(data[start:start + size])]
    assert entries == parse_entries("web1", RECORDED)


def test_a_stream_cut_off_mid_line_gives_only_the_whole_entries():
    lines = RECORDED.encode().splitlines(keepends=True)
    stream = EntryStream("web1")
    assert stream.feed(b"".join(lines[:3]) + lines[3][:40]) == parse_entries("web1", b"".join(lines[:3]).decode())
    # The partial line is held, not parsed: the last cursor returned is the third entry's.


NOW = 1_800_000_000.0


@pytest.mark.parametrize("text, expected", [
    ("90s", 1_800_000_000 - 90),
    ("10m", 1_800_000_000 - 600),
    ("2h", 1_800_000_000 - 7200),
    ("1d", 1_800_000_000 - 86400),
    ("1w", 1_800_000_000 - 604800),
    ("1h30m", 1_800_000_000 - 5400),
    ("@1700000000", 1_700_000_000),
    ("2026-12-01T14:00:00+00:00", 1796133600),
    ("2026-12-01T15:00:00+01:00", 1796133600),
    ("2026-12-01 14:00:00Z", 1796133600),
])
def test_since_is_an_instant(text, expected):
    assert parse_since(text, NOW) == expected


def test_since_without_a_time_zone_is_this_machines_local_time():
    assert parse_since("2026-12-01 14:00", NOW) == int(datetime(2026, 12, 1, 14, 0).timestamp())
    assert parse_since("2026-12-01", NOW) == int(datetime(2026, 12, 1).timestamp())


@pytest.mark.parametrize("text", ["", "yesterday", "10 minutes", "m10", "@", "@x", "2026-13-01", "-1h"])
def test_a_since_that_is_not_an_instant_is_a_one_line_input_error(text):
    with pytest.raises(InputError) as failed:
        parse_since(text, NOW)
    assert str(failed.value).startswith(f"--since {text.strip()!r}: expected a duration")


def test_the_recorded_fixture_is_journalctls_json_one_object_per_line():
    assert all(isinstance(json.loads(line), dict) for line in RECORDED.splitlines())
