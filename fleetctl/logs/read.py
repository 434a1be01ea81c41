"""Read the app's journal on many hosts, and follow it: through sudo where the host's become says so (the system
journal is root's), one connection per host.

A follow keeps every host's connection open and says when one drops; it then reconnects every few seconds and,
when the host answers again, resumes after the last entry it had (its journal cursor): nothing is repeated,
nothing written meanwhile is lost.
"""

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from fleetctl.fanout import fan_out
from fleetctl.inventory import Host
from fleetctl.logs.journal import (
    EntryStream, JournalEntry, JournalParseError, JournalQuery, follow_command, found_nothing, parse_read,
    read_command,
)
from fleetctl.transport import Transport, TransportError, connect

READ_TIMEOUT = 300.0
RECONNECT_SECONDS = 2.0


@dataclass(frozen=True)
class HostJournal:
    """What one host's journal gave: its entries, or why it could not be read."""

    host: str
    entries: list[JournalEntry] = field(default_factory=list)
    cursor: str | None = None  # where the entries read end (shown or not: `-n 0`): a follow starts after it
    error: str | None = None  # one line naming the host
    warnings: tuple[str, ...] = ()  # what journalctl said on stderr of a read that worked


@dataclass(frozen=True)
class Notice:
    """Something to tell about a followed host: it dropped, it is back."""

    host: str
    text: str


def journal_query(host: Host, lines: int | None, since: int | None, grep: str | None) -> JournalQuery:
    return JournalQuery(host.app.unit_name, lines, since, grep)


def read_journal(transport: Transport, host: Host, query: JournalQuery) -> HostJournal:
    """The entries that match the query now, read over an open connection."""
    try:
        result = transport.run(read_command(query), timeout=READ_TIMEOUT)
        if found_nothing(query, result.exit_code, result.stdout, result.stderr):
            return HostJournal(host.name)
        if not result.ok:
            cause = (result.stderr.strip().splitlines() or [f"exit code {result.exit_code}"])[-1]
            return HostJournal(host.name, error=f"{host.name}: journalctl failed: {cause}")
        entries, cursor = parse_read(host.name, result.stdout, query)
        return HostJournal(host.name, entries, cursor,
                           warnings=tuple(line for line in result.stderr.splitlines() if line.strip()))
    except TransportError as error:
        return HostJournal(host.name, error=str(error))
    except JournalParseError as error:
        return HostJournal(host.name, error=f"{host.name}: {error}")


def read_journals(hosts: Sequence[Host], queries: Sequence[JournalQuery], forks: int,
                  trust_on_first_use: bool = False) -> list[HostJournal]:
    """Each host's entries (or error), in the hosts' order."""
    def one(pair: tuple[Host, JournalQuery]) -> HostJournal:
        host, query = pair
        try:
            with connect(host.connection, trust_on_first_use=trust_on_first_use) as transport:
                return read_journal(transport, host, query)
        except TransportError as error:
            return HostJournal(host.name, error=str(error))

    return fan_out(list(zip(hosts, queries)), one, forks, failed=_unexpected)


def _unexpected(pair: tuple[Host, JournalQuery], error: Exception) -> HostJournal:
    name = pair[0].name
    return HostJournal(name, error=f"{name}: unexpected {type(error).__name__}: {error}")


class Follow:
    """Every host's journal, read then followed, one thread and one connection per host (a follow holds them all
    at once: no forks). What they give goes to `events`, in the order it arrives: first one HostJournal per host
    (its entries so far, or its error: such a host is not followed), then JournalEntry and Notice items.

    The threads are daemons: a host still connecting when the follow ends (up to the connect timeout) does not
    keep fleetctl running. close() stops the others and their commands on the hosts.
    """

    def __init__(self, hosts: Sequence[Host], queries: Sequence[JournalQuery], trust_on_first_use: bool = False,
                 reconnect_seconds: float = RECONNECT_SECONDS) -> None:
        self.events: queue.Queue[HostJournal | JournalEntry | Notice] = queue.Queue()
        self.stop = threading.Event()
        self.reconnect_seconds = reconnect_seconds
        self._connect = lambda host: connect(host.connection, trust_on_first_use=trust_on_first_use)
        self._threads = [threading.Thread(target=self._run, args=(host, query), daemon=True, name=f"follow {host.name}")
                         for host, query in zip(hosts, queries)]

    def start(self) -> "Follow":
        for thread in self._threads:
            thread.start()
        return self

    def close(self, wait: float = 3.0) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=wait / len(self._threads))

    def _run(self, host: Host, query: JournalQuery) -> None:
        try:
            self._follow(host, query)
        except Exception as error:  # noqa: BLE001 - a thread's error must reach the user, not vanish
            self.events.put(Notice(host.name, f"{host.name}: stopped following: unexpected "
                                              f"{type(error).__name__}: {error}"))

    def _follow(self, host: Host, query: JournalQuery) -> None:
        try:
            transport = self._connect(host)
        except TransportError as error:
            self.events.put(HostJournal(host.name, error=str(error)))
            return
        first = read_journal(transport, host, query)
        self.events.put(first)
        if first.error:
            transport.close()
            return
        cursor = first.cursor
        lost: str | None = None  # why the host dropped, until it is back
        try:
            while not self.stop.is_set():
                if transport is None:
                    try:
                        transport = self._connect(host)
                    except TransportError:
                        self.stop.wait(self.reconnect_seconds)
                        continue
                    self.events.put(Notice(host.name, f"{host.name}: back; resuming after the last line shown"))
                    lost = None
                entries = EntryStream(host.name)
                received = 0

                def hand_over(chunk: bytes) -> None:
                    nonlocal cursor, received
                    for entry in entries.feed(chunk):
                        cursor = entry.cursor
                        received += 1
                        self.events.put(entry)

                try:
                    result = transport.stream(follow_command(query, cursor), hand_over, self.stop)
                    cause = None if self.stop.is_set() else self._ended(host, result.exit_code, result.stderr)
                except TransportError as error:
                    cause = str(error)
                except JournalParseError as error:
                    cause = f"{host.name}: {error}"
                transport.close()
                transport = None
                if cause is not None and lost is None:
                    lost = cause
                    self.events.put(Notice(host.name, f"{cause}; reconnecting every {self.reconnect_seconds:g}s"))
                if cause is not None and not received:
                    self.stop.wait(self.reconnect_seconds)
        finally:
            if transport is not None:
                transport.close()

    @staticmethod
    def _ended(host: Host, exit_code: int, stderr: str) -> str:
        """Why a follow that never ends by itself ended (a host shutting down ends its commands)."""
        said = (stderr.strip().splitlines() or [""])[-1]
        return f"{host.name}: journalctl ended (exit code {exit_code}{': ' + said if said else ''})"
