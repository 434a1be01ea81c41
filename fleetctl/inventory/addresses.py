"""Host identifiers as Ansible reads them: a name, an IPv4 or IPv6 address, an optional :port, ranges.

The grammar is Ansible's (``ansible.parsing.utils.addresses.parse_address``):
a port follows a name or IPv4 address as ``:NN``, and an IPv6 address only when
bracketed (``[::1]:22``); ``[1:3]``-style ranges may stand for a name label or
an address component. Inventories use it to split ``host:port`` (hostranges),
``--limit`` to tell ``fe80::1`` (one pattern) from ``web:db`` (two).
"""

import re

_NUMERIC_RANGE = r"\[[0-9]+:[0-9]+(?::[0-9]+)?\]"
_HEX_RANGE = r"\[[0-9a-f]+:[0-9a-f]+(?::[0-9]+)?\]"
_NAME_RANGE = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]"

_IPV4_PART = rf"(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{_NUMERIC_RANGE})"
_IPV6_PART = rf"(?:[0-9a-f]{{1,4}}|{_HEX_RANGE})"
# A label starts with a word character or a range, goes on with those or '-', and does not end with '-' or '_'.
_LABEL = rf"(?:\w|{_NAME_RANGE})(?:[\w-]|{_NAME_RANGE})*(?<![_-])"

_BRACKETED_WITH_PORT = re.compile(r"^\[(.+)\]:([0-9]+)$")
_WITH_PORT = re.compile(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$")
_IPV4 = re.compile(rf"^(?:{_IPV4_PART}\.){{3}}{_IPV4_PART}$", re.I)
_IPV6 = re.compile(
    "^(" + "|".join([
        rf"(?:{_IPV6_PART}:){{7}}{_IPV6_PART}",  # all eight parts
        rf"(?:{_IPV6_PART}:){{1,6}}:",  # a::
        rf"(?:{_IPV6_PART}:)(?::{_IPV6_PART}){{1,6}}",  # a::b with 2 to 7 parts in all
        rf"(?:{_IPV6_PART}:){{2}}(?::{_IPV6_PART}){{1,5}}",
        rf"(?:{_IPV6_PART}:){{3}}(?::{_IPV6_PART}){{1,4}}",
        rf"(?:{_IPV6_PART}:){{4}}(?::{_IPV6_PART}){{1,3}}",
        rf"(?:{_IPV6_PART}:){{5}}(?::{_IPV6_PART}){{1,2}}",
        rf"(?:{_IPV6_PART}:){{6}}(?::{_IPV6_PART})",
        rf":(?::{_IPV6_PART}){{1,6}}",  # ::b
        rf"{_IPV6_PART}?::",  # a:: and ::
        rf"(?:0:){{6}}(?:{_IPV6_PART}\.){{3}}{_IPV6_PART}",  # an IPv4 address inside
        rf"::(?:ffff:)?(?:{_IPV6_PART}\.){{3}}{_IPV6_PART}",
        rf"(?:0:){{5}}ffff:(?:{_IPV6_PART}\.){{3}}{_IPV6_PART}",
    ]) + ")$",
    re.I,
)
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$", re.I)


def parse_address(text: str, allow_ranges: bool = False) -> tuple[str, int | None]:
    """(host, port or None); ValueError when ``text`` is no host identifier (or has a range, unless allowed)."""
    address, port = text, None
    for with_port in (_BRACKETED_WITH_PORT, _WITH_PORT):  # both, in turn, as Ansible does
        match = with_port.match(address)
        if match:
            address, port = match.group(1), int(match.group(2))
    if not any(grammar.match(address) for grammar in (_IPV4, _IPV6, _HOSTNAME)):
        raise ValueError(f"not a valid network hostname: {address}")
    if not allow_ranges and "[" in address:
        raise ValueError(f"{address} holds a range")
    return address, port
