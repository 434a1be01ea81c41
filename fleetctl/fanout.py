"""The one fan-out: run the same work for many hosts, `forks` at a time, results in the hosts' order.

Like Fabric's ThreadingGroup: one host's failure never takes the others down.
Each caller turns the errors it expects into its own typed row (a probe's,
a status's, a deploy's outcome); anything else that escapes the work of one
host becomes that host's row through `failed`.
"""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Row = TypeVar("Row")


def fan_out(items: Sequence[Item], work: Callable[[Item], Row], forks: int,
            failed: Callable[[Item, Exception], Row],
            on_row: Callable[[Row], None] | None = None) -> list[Row]:
    """work(item) for every item, at most `forks` at once; a list of rows in the items' order.

    failed(item, error): the row for an item whose work raised (a row must never take the whole run down).
    on_row(row): called as each row is ready (a progress bar), from the worker's thread.
    """
    if not items:
        return []

    def one(item: Item) -> Row:
        try:
            row = work(item)
        except Exception as error:  # noqa: BLE001 - see failed
            row = failed(item, error)
        if on_row is not None:
            on_row(row)
        return row

    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(items)))) as pool:
        return list(pool.map(one, items))
