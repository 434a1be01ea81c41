"""Ansible --limit semantics: which hosts a pattern list selects.

``web,db*`` is a union, ``&staging`` intersects, ``!web3`` excludes; each
pattern is a host or group name, a glob, or ``~regex``. A pattern that
matches nothing is an error: a typo must not silently widen or empty a rollout.
"""

import fnmatch
import re

from fleetctl.inventory.errors import InventoryError


def select_hosts(inventory, limit: str | None) -> list:
    if limit is None:
        return list(inventory.hosts)
    patterns = [part.strip() for part in limit.split(",")]
    if not any(patterns):
        raise InventoryError("--limit: empty pattern")
    included: set[str] | None = None
    required: list[set[str]] = []
    excluded: set[str] = set()
    for pattern in patterns:
        if not pattern:
            raise InventoryError(f"--limit: empty pattern in {limit!r}")
        if pattern[0] in "!&":
            names = _matching_host_names(inventory, pattern[1:].strip(), pattern)
            if pattern[0] == "!":
                excluded |= names
            else:
                required.append(names)
        else:
            included = (included or set()) | _matching_host_names(inventory, pattern, pattern)
    if included is None:  # only exclusions/intersections: start from every host
        included = {host.name for host in inventory.hosts}
    for names in required:
        included &= names
    included -= excluded
    return [host for host in inventory.hosts if host.name in included]


def _matching_host_names(inventory, pattern: str, shown: str) -> set[str]:
    if not pattern:
        raise InventoryError(f"--limit: empty pattern {shown!r}")
    matches_name = _name_matcher(pattern, shown)
    names = {host.name for host in inventory.hosts if matches_name(host.name)}
    for group_name in inventory.groups:
        if matches_name(group_name):
            names |= {host.name for host in inventory.hosts if group_name in host.groups}
    if not names:
        raise InventoryError(f"--limit: {shown!r} matches no host or group in {inventory.path}")
    return names


def _name_matcher(pattern: str, shown: str):
    if pattern.startswith("~"):
        try:
            regex = re.compile(pattern[1:])
        except re.error as exc:
            raise InventoryError(f"--limit: {shown!r} is not a valid regular expression: {exc}") from None
        return lambda name: regex.search(name) is not None
    if any(char in pattern for char in "*?["):
        return lambda name: fnmatch.fnmatchcase(name, pattern)
    return lambda name: name == pattern
