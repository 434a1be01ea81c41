"""--limit as Ansible reads it (``InventoryManager.subset``): which hosts a pattern selects.

A limit is a list of patterns, split on ``,`` (or, when it has no comma and is
not one host address such as ``fe80::1`` or ``db:22``, on ``:`` and
whitespace). ``@file`` reads one pattern a line from a file. A pattern is a
host or group name, a shell glob (``web*``), or ``~regex`` (matched from the
start of the name, ``re.match``); it may end with a subscript into what it
matches (``web[0]``, ``web[-1]``, ``web[1:3]``, ``web[2:]``). ``&pattern``
intersects and ``!pattern`` excludes; whatever their place, the plain patterns
apply first, then the ``&``, then the ``!`` (only ``&`` and ``!``: start from
``all``).

A pattern matches the hosts of every group whose name it matches (the groups'
children included) and, when it matches no group or is a glob or regex (or
holds a ``.``), the hosts whose name it matches. The hosts selected keep the
inventory's order, whatever the order of the patterns.

As in Ansible, a pattern that matches no host or group is reported and
ignored, and a limit that leaves no host is an error. Unlike Ansible, a limit
that holds no pattern at all (``--limit ''``, an empty file) is an error too:
Ansible reads it as no limit and acts on every host.
"""

import fnmatch
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from fleetctl.inventory.addresses import parse_address
from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.tree import hosts_in_order

# Names that stand for the inventory's localhost, whichever of them it is named; without one, they select
# Ansible's implicit localhost (never in `all`, so nothing), and no warning.
LOCALHOST_NAMES = ("localhost", "127.0.0.1", "::1")

# A pattern ending with [N], [-N], [N:M], [N:] (or the old [N-M]).
_SUBSCRIPTED = re.compile(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$")
# One ':'-separated pattern: anything but whitespace, ':' and brackets, or a whole [...] expression.
_COLON_SEPARATED = re.compile(r"(?:[^\s:\[\]]|\[[^\]]*\])+")
_GLOB_OR_DOMAIN_CHARS = (".", "?", "*", "[")


@dataclass(frozen=True)
class Selection:
    hosts: list  # the Host objects selected, in inventory order
    warnings: tuple[str, ...]  # in Ansible's words: each pattern that matched nothing, each [x-y] subscript


def split_limit(limit: str) -> list[str]:
    """The patterns of a limit, as Ansible's split_host_pattern gives them."""
    if "," in limit:
        parts = limit.split(",")
    else:
        try:
            parse_address(limit, allow_ranges=True)
            parts = [limit]
        except ValueError:
            parts = _COLON_SEPARATED.findall(limit)
    return [part.strip() for part in parts if part.strip()]


def limit_patterns(limit: str) -> list[str]:
    """The patterns of a limit with each ``@file`` replaced by its lines (relative to the working directory)."""
    patterns = []
    for part in split_limit(limit):
        if not part.startswith("@"):
            patterns.append(part)
            continue
        path = part[1:]
        if not os.path.exists(path):
            raise InventoryError(f"--limit: unable to find limit file {path}")
        if not os.path.isfile(path):
            raise InventoryError(f"--limit: a limit starting with '@' must be a file, not a directory: {path}")
        with open(path, encoding="utf-8") as lines:
            patterns.extend(line.strip() for line in lines.read().split("\n"))
    if not any(patterns):
        raise InventoryError(f"--limit: {limit!r} holds no host pattern")
    return patterns


def select(inventory, limit: str | None) -> Selection:
    """The hosts ``limit`` selects (every host when None), and a warning per pattern that matched nothing."""
    if limit is None:
        return Selection(list(inventory.hosts), ())
    matcher = _Matcher(inventory)
    chosen = matcher.evaluate(limit_patterns(limit))
    hosts = [host for host in inventory.hosts if host.name in chosen]
    return Selection(hosts, tuple(matcher.warnings))


def select_hosts(inventory, limit: str | None, warn: Callable[[str], None] | None = None) -> list:
    """The hosts ``limit`` selects; InventoryError when it leaves none. ``warn`` receives each warning."""
    selection = select(inventory, limit)
    if warn is not None:
        for warning in selection.warnings:
            warn(warning)
    if not selection.hosts:
        raise InventoryError(f"--limit {limit!r} leaves no host of {inventory.path} to act on")
    return selection.hosts


class _Matcher:
    """One evaluation of a limit over one inventory (Ansible's _evaluate_patterns and what it calls)."""

    def __init__(self, inventory):
        self.groups = inventory.groups
        self.host_names = list(inventory.hosts_as_read) or [host.name for host in inventory.hosts]
        self.is_host = set(self.host_names)
        self.warnings: dict[str, None] = {}  # each once, in order, as Ansible shows them

    def evaluate(self, patterns: list[str]) -> set[str]:
        plain = [p for p in patterns if p and p[0] not in "&!"]
        intersect = [p for p in patterns if p and p[0] == "&"]
        exclude = [p for p in patterns if p and p[0] == "!"]
        chosen: set[str] = set()
        for pattern in (plain or ["all"]) + intersect + exclude:
            if pattern in self.is_host:  # a plain host name is that host, even when a group has its name
                chosen.add(pattern)
                continue
            matched = set(self._match_one(pattern))
            if pattern[0] == "!":
                chosen -= matched
            elif pattern[0] == "&":
                chosen &= matched
            else:
                chosen |= matched
        return chosen

    def _match_one(self, pattern: str) -> list[str]:
        bare = pattern[1:] if pattern[0] in "&!" else pattern
        if not bare:
            raise InventoryError(f"--limit: empty pattern {pattern!r}")
        expression, subscript = self._split_subscript(bare)
        names = self._enumerate(expression)
        if not names or subscript is None:
            return names
        start, end = subscript
        if end:  # as Ansible: [N:0] is read as [N]
            return names[start: (len(names) - 1 if end == -1 else end) + 1]
        try:
            return [names[start]]
        except IndexError:
            raise InventoryError(f"--limit: no hosts matched the subscripted pattern {bare!r}") from None

    def _enumerate(self, expression: str) -> list[str]:
        """Hosts of the groups ``expression`` names, then (if it names none, or is a glob) hosts it names."""
        matches = _name_matcher(expression)
        names: list[str] = []
        matching_groups = [name for name in self.groups if matches(name)]  # all, ungrouped, then as declared
        for group in matching_groups:
            names.extend(hosts_in_order(self.groups, group))
        if not matching_groups or expression[0] == "~" or any(c in expression for c in _GLOB_OR_DOMAIN_CHARS):
            names.extend(name for name in self.host_names if matches(name))
        if not names and expression in LOCALHOST_NAMES:
            # Ansible's localhost: the inventory's first host named as one (so '::1' selects 'localhost'), if any.
            return [name for name in self.host_names if name in LOCALHOST_NAMES][:1]
        if not names and not matching_groups:
            self.warnings[f"Could not match supplied host pattern, ignoring: {expression}"] = None
        return names

    def _split_subscript(self, pattern: str) -> tuple[str, tuple[int, int | None] | None]:
        if pattern[0] == "~":  # a regex keeps its brackets
            return pattern, None
        match = _SUBSCRIPTED.match(pattern)
        if not match:
            return pattern, None
        expression, index, start, separator, end = match.groups()
        if index:
            return expression, (int(index), None)
        if separator == "-":
            self.warnings["Use [x:y] inclusive subscripts instead of [x-y] which has been removed"] = None
        return expression, (int(start), int(end) if end else -1)


def _name_matcher(expression: str) -> Callable[[str], bool]:
    try:
        if expression[0] == "~":
            regex = re.compile(expression[1:])
        else:
            regex = re.compile(fnmatch.translate(expression))
    except re.error as error:
        raise InventoryError(f"--limit: {expression!r} is not a valid pattern: {error}") from None
    return lambda name: regex.match(name) is not None
