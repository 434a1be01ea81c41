"""Ansible's `serial` and `max_fail_percentage`, as pure functions."""

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def batch_sizes(serial, total: int) -> list[int]:
    """Batch sizes for `total` hosts: serial is N, "N%", or a list of those whose last value repeats."""
    steps = serial if isinstance(serial, list) else [serial]
    sizes: list[int] = []
    remaining = total
    index = 0
    while remaining > 0:
        step = steps[min(index, len(steps) - 1)]
        if isinstance(step, str) and step.endswith("%"):
            size = max(1, math.floor(total * float(step[:-1]) / 100))
        else:
            size = int(step)
        size = min(size, remaining)
        sizes.append(size)
        remaining -= size
        index += 1
    return sizes


def make_batches(items: Sequence[T], serial_of: Callable[[T], object]) -> list[list[T]]:
    """Split items into batches; items whose serial differs (Pis vs servers) are batched separately,
    in the order their first item appears."""
    groups: dict[str, list[T]] = {}
    serials: dict[str, object] = {}
    for item in items:
        key = repr(serial_of(item))
        groups.setdefault(key, []).append(item)
        serials[key] = serial_of(item)
    batches = []
    for key, members in groups.items():
        start = 0
        for size in batch_sizes(serials[key], len(members)):
            batches.append(members[start:start + size])
            start += size
    return batches


def exceeds_max_fail(failed: int, batch_size: int, max_fail_percentage: float) -> bool:
    """Ansible's rule: stop when more than max_fail_percentage of the batch failed (0: any failure)."""
    return failed > 0 and failed * 100 / batch_size > max_fail_percentage
