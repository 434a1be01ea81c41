"""`fleetctl logs`: the app's journal on every selected host, merged in time order, each line prefixed with its host."""

import json
import queue
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import click

from fleetctl.cli.common import (
    EXIT_HOST_FAILED, bad_input, err, inventory_argument, limit_option, load_selection, tofu_option,
)
from fleetctl.errors import InputError
from fleetctl.inventory import Host
from fleetctl.logs import (
    HOLD_SECONDS, Follow, HostJournal, JournalEntry, JournalQuery, Notice, ReorderWindow, journal_query,
    merge_journals, parse_since, read_journals,
)

# Lines of each host when neither -n, --since nor --grep says: Kamal's 100; journalctl --follow's 10.
DEFAULT_LINES, DEFAULT_FOLLOW_LINES = 100, 10
HOST_COLOURS = ("cyan", "green", "yellow", "magenta", "blue", "bright_cyan", "bright_green", "bright_magenta")


def text_lines(entry: JournalEntry, width: int) -> list[str]:
    """`host | 2026-12-01 22:38:08.170 node[1234]: message`, in this machine's time zone; a message of several
    lines is several such lines, so that each carries its host."""
    when = entry.time.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    source = entry.identifier or "-"
    if entry.pid is not None:
        source += f"[{entry.pid}]"
    return [f"{entry.host:<{width}} | {when} {source}: {line}" for line in entry.message.splitlines() or [""]]


class Printer:
    """Entries on stdout (text or JSON lines), everything about the hosts on stderr."""

    def __init__(self, hosts: Sequence[Host], as_json: bool) -> None:
        self.as_json = as_json
        self.width = max(len(host.name) for host in hosts)
        self.colours = {host.name: HOST_COLOURS[index % len(HOST_COLOURS)] for index, host in enumerate(hosts)}

    def entry(self, entry: JournalEntry) -> None:
        if self.as_json:
            click.echo(json.dumps(entry.to_dict()))
            return
        for line in text_lines(entry, self.width):
            # click drops the colour when stdout is not a terminal; it flushes each line (a follow into a pipe).
            host, rest = line[:self.width], line[self.width:]
            click.echo(click.style(host, fg=self.colours.get(entry.host)) + rest)

    def journals(self, journals: Sequence[HostJournal]) -> None:
        """Whole journals, merged; then what went wrong, so it is not scrolled away."""
        for entry in merge_journals([journal.entries for journal in journals]):
            self.entry(entry)
        for journal in journals:
            for warning in journal.warnings:
                self.notice(f"{journal.host}: journalctl: {warning}")
            if journal.error:
                err().print(journal.error, style="red", markup=False, highlight=False, soft_wrap=True)

    def notice(self, text: str) -> None:
        err().print(text, style="yellow", markup=False, highlight=False, soft_wrap=True)


@click.command("logs")
@inventory_argument
@limit_option
@click.option("--follow", "-f", is_flag=True,
              help="Then print new lines as they come, until Ctrl-C. A host that drops is said so; when it answers"
                   f" again, it resumes after its last line shown. Lines are held up to {HOLD_SECONDS:g}s to be"
                   " printed in time order across hosts.")
@click.option("--lines", "-n", type=click.IntRange(min=0), metavar="N",
              help=f"The last N lines of each host.  [default: {DEFAULT_LINES}, {DEFAULT_FOLLOW_LINES} with --follow;"
                   " every line that matches with --since or --grep]")
@click.option("--since", metavar="WHEN",
              help="Lines since WHEN: a duration ago (90s, 10m, 2h, 1d), an ISO date and time (2026-12-01 14:00,"
                   " in this machine's time zone unless it says another), or @UNIX-SECONDS.")
@click.option("--grep", "-g", metavar="PATTERN",
              help="Only lines whose message matches PATTERN (journalctl --grep: PCRE2, case-insensitive when"
                   " PATTERN is all lowercase).")
@click.option("--forks", type=click.IntRange(min=1), default=10, show_default=True,
              help="Hosts read in parallel (--follow holds every host at once).")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per line: host, time (UTC, ISO 8601), identifier, pid, priority, message, cursor.")
@tofu_option
def logs_command(inventory: Path, limit: str | None, follow: bool, lines: int | None, since: str | None,
                 grep: str | None, forks: int, as_json: bool, trust_on_first_use: bool) -> None:
    """Print the journal of the app's unit (fleet-<app>.service) on every selected host, merged in time order,
    each line prefixed with its host.

    The journal is read with journalctl, through sudo where ansible_become says so (the system journal is
    root's). Hosts without an app (fleet_app_name unset) are skipped and said so. -f is --follow here, as in
    journalctl: --forks has no short form. Exit code 1 when a host could not be read (its error on stderr;
    the other hosts' lines still print).
    """
    _, selected = load_selection(inventory, limit)
    try:
        since_at = parse_since(since, time.time()) if since is not None else None
    except InputError as error:
        raise bad_input(str(error)) from None
    hosts = [host for host in selected if host.app]
    if not hosts:
        raise bad_input(f"{inventory}: no selected host has an app (fleet_app_name)")
    if lines is None and since is None and grep is None:
        lines = DEFAULT_FOLLOW_LINES if follow else DEFAULT_LINES
    queries = [journal_query(host, lines, since_at, grep) for host in hosts]
    printer = Printer(hosts, as_json)
    for host in selected:
        if not host.app:
            printer.notice(f"{host.name}: no app (fleet_app_name): skipped")
    if follow:
        failed = _follow(hosts, queries, trust_on_first_use, printer)
    else:
        journals = read_journals(hosts, queries, forks, trust_on_first_use)
        printer.journals(journals)
        failed = any(journal.error for journal in journals)
    if failed:
        raise click.exceptions.Exit(EXIT_HOST_FAILED)


def _follow(hosts: Sequence[Host], queries: Sequence[JournalQuery], trust_on_first_use: bool,
            printer: Printer) -> bool:
    """Until Ctrl-C (or SIGTERM): every host's lines so far, merged, then the new ones through the reorder window.
    Whether a host could not be followed."""
    follow = Follow(hosts, queries, trust_on_first_use).start()
    window = ReorderWindow()
    first: dict[str, HostJournal] = {}  # each host's journal so far: they are merged whole, printed once all came
    early: list[tuple[JournalEntry, float]] = []  # new lines that came before that
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            due = window.next_due()
            try:
                event = follow.events.get(timeout=0.5 if due is None else max(0.0, due - time.monotonic()))
            except queue.Empty:
                event = None
            now = time.monotonic()
            if isinstance(event, HostJournal):
                first[event.host] = event
                if len(first) == len(hosts):
                    printer.journals([first[host.name] for host in hosts])
                    if all(journal.error for journal in first.values()):
                        return True
                    for entry, arrived in early:
                        window.push(entry, arrived)
            elif isinstance(event, JournalEntry):
                if len(first) < len(hosts):
                    early.append((event, now))
                else:
                    window.push(event, now)
            elif isinstance(event, Notice):
                printer.notice(event.text)
            for entry in window.ready(now):
                printer.entry(entry)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        follow.close()
        for entry in window.drain():
            printer.entry(entry)
    return any(journal.error for journal in first.values())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
