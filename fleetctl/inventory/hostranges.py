"""Ansible host ranges in inventory names: web[01:03], db-[a:c], node[0:10:2]."""

import re
import string

_RANGE = re.compile(r"^(?P<head>[^\[]*)\[(?P<start>[^:\]]*):(?P<end>[^:\]]*)(?::(?P<step>[^\]]*))?\](?P<tail>.*)$")


def expand_host_pattern(pattern: str) -> list[str]:
    """Expand the first range in ``pattern`` (recursively for the rest); ValueError if malformed."""
    match = _RANGE.match(pattern)
    if not match:
        return [pattern]
    head, start, end, step, tail = match.group("head", "start", "end", "step", "tail")
    step_size = int(step) if step else 1
    if step_size < 1:
        raise ValueError(f"host range {pattern!r} has a step below 1")
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") else 0
        values = [str(n).zfill(width) for n in range(int(start), int(end) + 1, step_size)]
    elif _single_letter(start) and _single_letter(end):
        letters = string.ascii_letters
        values = list(letters[letters.index(start): letters.index(end) + 1: step_size])
    else:
        raise ValueError(f"host range {pattern!r} must be [start:end] of numbers or single letters")
    if not values:
        raise ValueError(f"host range {pattern!r} is empty")
    expanded = []
    for value in values:
        expanded.extend(expand_host_pattern(f"{head}{value}{tail}"))
    return expanded


def _single_letter(text: str) -> bool:
    return len(text) == 1 and text in string.ascii_letters
