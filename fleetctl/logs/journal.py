"""The journal of an app's unit: the journalctl commands that read and follow it (as data), and the parser of
their output (`journalctl --output json`: one JSON object per entry, each with its cursor).

Pure: no host, no clock but the `now` a caller passes.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from fleetctl.errors import InputError

# What each entry carries besides journalctl's own __CURSOR and __REALTIME_TIMESTAMP.
FIELDS = ("MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "_PID")
_DURATION = re.compile(r"(\d+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class JournalParseError(ValueError):
    """journalctl's output is not what `--output json` prints; the message is one line."""


@dataclass(frozen=True)
class JournalQuery:
    """What to read of each host's journal."""

    unit: str
    lines: int | None = None  # the last N entries of each host; None: every entry that matches
    since: int | None = None  # UNIX seconds
    grep: str | None = None  # journalctl's --grep: a PCRE2 pattern on MESSAGE


@dataclass(frozen=True)
class JournalEntry:
    host: str
    timestamp_us: int  # when the host's journal received it (__REALTIME_TIMESTAMP), UNIX microseconds
    cursor: str  # where it is in the host's journal: `--after-cursor` resumes just after it
    message: str
    identifier: str | None  # SYSLOG_IDENTIFIER: node, systemd, ...
    pid: int | None
    priority: int | None  # 0 (emerg) .. 7 (debug)

    @property
    def time(self) -> datetime:
        seconds, microseconds = divmod(self.timestamp_us, 1_000_000)
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=microseconds)

    def to_dict(self) -> dict:
        return {"host": self.host, "time": self.time.isoformat(), "identifier": self.identifier, "pid": self.pid,
                "priority": self.priority, "message": self.message, "cursor": self.cursor}


def _base(query: JournalQuery) -> list[str]:
    # --all: long and unprintable fields in full (journalctl would print a long MESSAGE as null).
    argv = ["journalctl", "--unit", query.unit, "--output", "json", "--output-fields", ",".join(FIELDS), "--all",
            "--no-pager"]
    return argv + (["--grep", query.grep] if query.grep is not None else [])


def read_command(query: JournalQuery) -> list[str]:
    """The entries that match the query now (parse_read reads its output)."""
    argv = _base(query)
    if query.since is not None:
        argv += ["--since", f"@{query.since}"]
    if query.lines is not None:
        # Newest first, said outright: journalctl turns --lines with --grep into --reverse by itself (252 and
        # later; systemd#36068), so the order is the same whether a pattern is given or not. At least one: `-n 0`
        # shows none, but a follow needs the newest one's cursor to start after it.
        argv += ["--lines", str(max(query.lines, 1)), "--reverse"]
    return argv


def found_nothing(query: JournalQuery, exit_code: int, stdout: str, stderr: str) -> bool:
    """Whether a read that failed only found no match: journalctl --grep exits 1 then, as grep does, saying
    nothing (a bad pattern says why on stderr)."""
    return query.grep is not None and exit_code == 1 and not stdout.strip() and not stderr.strip()


def parse_read(host: str, output: str, query: JournalQuery) -> tuple[list[JournalEntry], str | None]:
    """read_command's output: the entries to show, in the journal's order (oldest first), and the cursor a
    follow starts after (None: there was no entry to show)."""
    entries = parse_entries(host, output)
    if query.lines is None:
        return entries, entries[-1].cursor if entries else None
    entries.reverse()
    return entries[len(entries) - query.lines:], entries[-1].cursor if entries else None


def follow_command(query: JournalQuery, cursor: str | None) -> list[str]:
    """Every entry after `cursor` (the last one shown), then each new one as it comes; without a cursor (the host
    had none to show), every entry that matches the query: none of those was shown, and so none repeats."""
    argv = _base(query)
    if cursor is not None:
        argv += ["--after-cursor", cursor]
    elif query.since is not None:
        argv += ["--since", f"@{query.since}"]
    # --no-tail: from there on, all of them (--follow alone would start at the last ten).
    return argv + ["--no-tail", "--follow"]


def parse_entry(host: str, line: str | bytes) -> JournalEntry:
    """One line of `journalctl --output json`."""
    try:
        fields = json.loads(line)
        return JournalEntry(
            host=host,
            timestamp_us=int(fields["__REALTIME_TIMESTAMP"]),
            cursor=fields["__CURSOR"],
            message=_text(fields.get("MESSAGE")),
            identifier=_optional_text(fields.get("SYSLOG_IDENTIFIER")),
            pid=_optional_int(fields.get("_PID")),
            priority=_optional_int(fields.get("PRIORITY")),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        shown = line if isinstance(line, str) else line.decode(errors="replace")
        raise JournalParseError(f"not a journal entry ({type(error).__name__}: {error}): {shown[:80]!r}") from None


def parse_entries(host: str, output: str) -> list[JournalEntry]:
    """Every line of a whole `journalctl --output json`'s output."""
    return [parse_entry(host, line) for line in output.splitlines() if line.strip()]


def _text(value: object) -> str:
    """journalctl writes a field that is not valid UTF-8 as an array of its bytes, and a field repeated in one
    entry as an array of its values."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, int) for item in value):
        return bytes(value).decode(errors="replace")
    if isinstance(value, list):
        return "\n".join(_text(item) for item in value)
    raise TypeError(f"unexpected field value {value!r}")


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _optional_int(value: object) -> int | None:
    text = _optional_text(value)
    return int(text) if text else None


class EntryStream:
    """Entries out of `journalctl --output json --follow`'s output as it comes, in chunks cut anywhere (inside a
    line, inside a UTF-8 character). A line is parsed only once it is whole: a stream cut off mid-line (the host
    went away) leaves the partial line unparsed, and the last entry returned is the last one whole."""

    def __init__(self, host: str) -> None:
        self.host = host
        self._partial = b""

    def feed(self, chunk: bytes) -> list[JournalEntry]:
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        return [parse_entry(self.host, line) for line in lines if line.strip()]


def parse_since(text: str, now: float) -> int:
    """--since as UNIX seconds: a duration before now (`90s`, `10m`, `2h`, `1d`, `1h30m`, `1w`), a date or a date
    and time in ISO 8601 (`2026-12-01`, `2026-12-01 14:00`, `2026-12-01T14:00:00+01:00`; this machine's time zone
    when it has none), or `@` and UNIX seconds. Every host is then asked from that same instant, whatever its
    own time zone."""
    text = text.strip()
    if text.startswith("@") and text[1:].isdigit():
        return int(text[1:])
    if text and _DURATION.sub("", text) == "":
        return int(now) - sum(int(count) * _UNIT_SECONDS[unit] for count, unit in _DURATION.findall(text))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--since {text!r}: expected a duration (10m, 2h, 1d), a date and time (2026-12-01 14:00,"
                         " 2026-12-01T14:00:00+00:00) or @UNIX-SECONDS") from None
    return int(moment.timestamp())  # a naive time is this machine's local time
