"""Whole journals merged in time order; followed entries through the bounded reorder window."""

import random

from fleetctl.logs.journal import JournalEntry
from fleetctl.logs.merge import ReorderWindow, merge_journals


def entry(host: str, timestamp_us: int, message: str = "") -> JournalEntry:
    return JournalEntry(host, timestamp_us, f"{host}:{timestamp_us}", message or f"{host}@{timestamp_us}", "app",
                        1, 6)


def names(entries: list[JournalEntry]) -> list[str]:
    return [item.message for item in entries]


def test_journals_merge_in_time_order():
    web1 = [entry("web1", 10), entry("web1", 30), entry("web1", 50)]
    web2 = [entry("web2", 20), entry("web2", 40)]
    pi = []
    assert names(merge_journals([web1, web2, pi])) == ["web1@10", "web2@20", "web1@30", "web2@40", "web1@50"]


def test_equal_times_keep_each_hosts_order_and_the_hosts_order():
    web1 = [entry("web1", 10, "a"), entry("web1", 10, "b")]
    web2 = [entry("web2", 10, "c")]
    assert names(merge_journals([web1, web2])) == ["a", "b", "c"]
    assert names(merge_journals([web2, web1])) == ["c", "a", "b"]


def test_a_host_whose_clock_stepped_back_keeps_its_own_order():
    web1 = [entry("web1", 30, "before the step"), entry("web1", 10, "after the step")]
    web2 = [entry("web2", 20)]
    merged = names(merge_journals([web1, web2]))
    assert merged.index("before the step") < merged.index("after the step")


def test_the_window_holds_entries_for_its_time_then_lets_them_out_in_time_order():
    window = ReorderWindow(hold=1.0)
    window.push(entry("web1", 200), arrived=0.0)
    window.push(entry("web2", 100), arrived=0.5)  # earlier, but arrived later: still in time
    assert window.ready(0.9) == [] and window.next_due() == 1.0
    assert names(window.ready(1.0)) == ["web2@100", "web1@200"]  # web1's was due: web2's earlier one goes first
    assert len(window) == 0 and window.next_due() is None


def test_no_entry_waits_longer_than_the_hold():
    window = ReorderWindow(hold=1.0)
    window.push(entry("web1", 500), arrived=0.0)
    # Earlier entries keep arriving: they go before it, but do not hold it past its time.
    window.push(entry("web2", 100), arrived=0.6)
    window.push(entry("web3", 50), arrived=0.9)
    assert names(window.ready(1.0)) == ["web3@50", "web2@100", "web1@500"]


def test_an_entry_later_than_the_hold_comes_out_at_once_out_of_order_never_dropped():
    window = ReorderWindow(hold=1.0)
    window.push(entry("web1", 200), arrived=0.0)
    assert names(window.ready(1.0)) == ["web1@200"]
    window.push(entry("web2", 100), arrived=3.0)  # it was on its way for more than the hold
    assert names(window.ready(4.0)) == ["web2@100"]


def test_a_full_window_lets_the_earliest_out_at_once():
    window = ReorderWindow(hold=60.0, capacity=3)
    for timestamp in (40, 10, 30, 20, 50):
        window.push(entry("web1", timestamp), arrived=0.0)
    assert names(window.ready(0.0)) == ["web1@10", "web1@20"]
    assert len(window) == 3


def test_drain_gives_everything_held_in_time_order():
    window = ReorderWindow(hold=60.0)
    for timestamp in (3, 1, 2):
        window.push(entry("web1", timestamp), arrived=0.0)
    assert names(window.drain()) == ["web1@1", "web1@2", "web1@3"]
    assert window.next_due() is None and window.ready(1000.0) == []


def test_entries_arriving_within_the_hold_of_each_other_come_out_sorted_whatever_their_arrival_order():
    rng = random.Random(16)
    window = ReorderWindow(hold=1.0)
    # Three hosts write one entry every 10 ms; each connection delivers it 0-0.9 s later.
    written = [entry(f"web{index % 3}", index * 10_000) for index in range(300)]
    arrivals = sorted(((item.timestamp_us / 1e6 + rng.uniform(0, 0.9), number) for number, item in enumerate(written)))
    out = []
    for arrived, number in arrivals:
        out += window.ready(arrived)
        window.push(written[number], arrived)
    out += window.drain()
    assert out == written
