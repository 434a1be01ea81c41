"""Host names as inventories write them: ``web[01:03]``, ``db-[a:c]``, ``node[0:10:2]``, ``host:2222``, ``[::1]:22``.

Written from Ansible's documented behaviour (and tested against ansible-core):
a trailing ``:N`` is a port when what is left is a valid host name, IPv4 or
IPv6 address (IPv6 only in brackets), in the grammar of fleetctl.inventory.addresses;
a name that is not valid keeps its whole text, port included, as Ansible does.
Ranges then expand, the first one first.
"""

import string

from fleetctl.inventory.addresses import parse_address


class HostRangeError(ValueError):
    """A host range that cannot expand; the message says why."""


def expand_host_pattern(pattern: str) -> tuple[list[str], int | None]:
    """The host names a pattern stands for, and the port it gives them (None when it gives none)."""
    address, port = split_port(pattern)
    return (expand_ranges(address) if "[" in address else [address]), port


def split_port(pattern: str) -> tuple[str, int | None]:
    """``host:22`` -> (host, 22); text that is not a valid address with a port stays whole, without port."""
    try:
        return parse_address(pattern, allow_ranges=True)
    except ValueError:
        return pattern, None


def expand_ranges(pattern: str) -> list[str]:
    """Expand the first [start:end(:step)] in ``pattern``, then the rest; HostRangeError when it is malformed."""
    # The text before the first '[' or ']', between them, and after: as Ansible cuts it.
    parts = pattern.replace("[", "|", 1).replace("]", "|", 1).split("|")
    if len(parts) != 3:
        raise HostRangeError(f"host range in {pattern!r} is not of the form [begin:end] or [begin:end:step]")
    head, body, tail = parts
    bounds = body.split(":")
    if len(bounds) not in (2, 3):
        raise HostRangeError(f"host range in {pattern!r} must be begin:end or begin:end:step")
    begin, end = bounds[0] or "0", bounds[1]
    step = bounds[2] if len(bounds) == 3 else "1"
    if not end:
        raise HostRangeError(f"host range in {pattern!r} must specify its end")
    width = 0
    if begin[0] == "0" and len(begin) > 1:
        if len(begin) != len(end):
            raise HostRangeError(f"host range in {pattern!r} must write begin and end with as many digits")
        width = len(begin)
    values = _range_values(pattern, begin, end, step)
    names = []
    for value in values:
        name = f"{head}{str(value).zfill(width)}{tail}"
        names.extend(expand_ranges(name) if "[" in name else [name])
    return names


def _range_values(pattern: str, begin: str, end: str, step: str) -> list:
    try:
        stride = int(step)
        if stride == 0:
            raise ValueError
    except ValueError:
        raise HostRangeError(f"host range in {pattern!r} has an invalid step {step!r}") from None
    letters = string.ascii_letters
    if begin in letters and end in letters:  # Ansible finds both in ascii_letters, as substrings
        first, last = letters.index(begin), letters.index(end)
        if first > last:
            raise HostRangeError(f"host range in {pattern!r} must have begin <= end")
        return list(letters[first:last + 1:stride])
    try:
        return list(range(int(begin), int(end) + 1, stride))
    except ValueError:
        raise HostRangeError(
            f"host range in {pattern!r} must be numbers or letters, got {begin!r} and {end!r}"
        ) from None
