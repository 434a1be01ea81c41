"""Many hosts' journal entries as one stream in time order: whole journals merged, and followed entries reordered
within a small bounded window.

Pure: arrival times are passed in, never read from a clock.
"""

import heapq
import itertools
from collections import deque
from collections.abc import Sequence

from fleetctl.logs.journal import JournalEntry

# How long a followed entry is held, at most, for an earlier one of another host that is still on its way.
HOLD_SECONDS = 1.0
# Entries held at most: past this, the earliest go out at once (a burst cannot grow memory without bound).
HOLD_CAPACITY = 10_000


def merge_journals(journals: Sequence[Sequence[JournalEntry]]) -> list[JournalEntry]:
    """The entries of every host's journal in time order. Each host's own order is kept as its journal has it
    (a clock that stepped back does not reorder a host), and at equal times the first host comes first."""
    return list(heapq.merge(*journals, key=lambda entry: entry.timestamp_us))


class ReorderWindow:
    """Followed entries come from each host as they are written, over connections of different delays: an entry
    of one host may arrive after a later entry of another. The window holds each entry for `hold` seconds after
    it arrives, and lets entries out in time order: every entry that arrived at least `hold` seconds ago goes
    out, with every entry held that is earlier than it. So no entry waits longer than `hold`, and entries that
    arrive no more than `hold` apart come out in time order. An entry later than that comes out at once, out of
    order: it is never dropped.
    """

    def __init__(self, hold: float = HOLD_SECONDS, capacity: int = HOLD_CAPACITY) -> None:
        self.hold, self.capacity = hold, capacity
        self._heap: list[tuple[int, int, JournalEntry]] = []  # (timestamp, arrival number, entry)
        self._arrivals: deque[tuple[float, int]] = deque()  # (arrival time, arrival number), oldest first
        self._out: set[int] = set()  # arrival numbers let out before their turn in _arrivals
        self._numbers = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, entry: JournalEntry, arrived: float) -> None:
        number = next(self._numbers)
        heapq.heappush(self._heap, (entry.timestamp_us, number, entry))
        self._arrivals.append((arrived, number))

    def next_due(self) -> float | None:
        """When ready() will next let an entry out; None when none is held."""
        self._forget_released()
        return self._arrivals[0][0] + self.hold if self._arrivals else None

    def ready(self, now: float) -> list[JournalEntry]:
        """The entries to show at `now`, in time order."""
        released = []
        while self._heap:
            due = self.next_due()
            if due > now and len(self._heap) <= self.capacity:
                break
            released.append(self._pop())
        return released

    def drain(self) -> list[JournalEntry]:
        """Every entry held, in time order (the follow ends)."""
        return [self._pop() for _ in range(len(self._heap))]

    def _pop(self) -> JournalEntry:
        _, number, entry = heapq.heappop(self._heap)
        self._out.add(number)
        return entry

    def _forget_released(self) -> None:
        while self._arrivals and self._arrivals[0][1] in self._out:
            self._out.discard(self._arrivals.popleft()[1])
