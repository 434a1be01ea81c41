"""fan_out: rows in the items' order, at most `forks` at once, a raising item its own row, on_row once per item."""

import threading
import time

from fleetctl.fanout import fan_out


def as_failed(item, error: Exception) -> str:
    return f"{item} failed: {error}"


def test_rows_come_in_the_items_order_whatever_order_they_finish_in():
    finished = []

    def work(item: int) -> str:
        time.sleep(0.02 * (4 - item))  # the last item finishes first
        finished.append(item)
        return f"row {item}"

    assert fan_out([0, 1, 2, 3], work, forks=4, failed=as_failed) == ["row 0", "row 1", "row 2", "row 3"]
    assert finished[0] == 3


def test_at_most_forks_items_run_at_once():
    forks = 3
    lock = threading.Lock()
    running, most = 0, 0
    # A group of `forks` items meets at the barrier: a pool with fewer threads never fills it
    # (its items fail on the barrier's timeout); a pool with more runs a fourth item beside them.
    together = threading.Barrier(forks, timeout=10)

    def work(item: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        together.wait()
        time.sleep(0.05)
        with lock:
            running -= 1
        return item

    assert fan_out(list(range(2 * forks)), work, forks=forks, failed=as_failed) == list(range(2 * forks))
    assert most == forks


def test_forks_below_one_still_runs_every_item_one_at_a_time():
    lock = threading.Lock()
    running, most = 0, 0

    def work(item: str) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return item.upper()

    assert fan_out(["a", "b", "c"], work, forks=0, failed=as_failed) == ["A", "B", "C"]
    assert most == 1


def test_a_raising_item_becomes_its_failed_row_and_the_others_complete():
    def work(item: str) -> str:
        if item == "bad":
            raise RuntimeError("connection reset")
        time.sleep(0.02)
        return f"{item} ok"

    rows = fan_out(["one", "bad", "two"], work, forks=3, failed=as_failed)
    assert rows == ["one ok", "bad failed: connection reset", "two ok"]


def test_on_row_is_called_once_for_every_row_the_failed_one_included():
    seen = []
    lock = threading.Lock()

    def on_row(row: str) -> None:
        with lock:
            seen.append(row)

    def work(item: int) -> str:
        if item == 2:
            raise ValueError("no")
        return f"row {item}"

    rows = fan_out(list(range(5)), work, forks=2, failed=as_failed, on_row=on_row)
    assert sorted(seen) == sorted(rows) and len(seen) == 5
    assert "2 failed: no" in seen


def test_no_items_no_rows_and_no_work():
    def work(item):
        raise AssertionError("no item, no work")

    assert fan_out([], work, forks=5, failed=as_failed, on_row=work) == []
