"""Groups and hosts as an inventory source declares them, with Ansible's rules for how they relate.

The parsers (YAML, INI, ansible-core's plugins) add groups, hosts, children and
variables here, in file order; reconcile() then applies what Ansible does once
every source is read: a group with no parent becomes a child of ``all``, a
host in no group lands in ``ungrouped``, a host in another group leaves it.
``all`` and ``ungrouped`` always exist. Every variable keeps where it was set
(file, line) so a bad value can be reported there.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from fleetctl.inventory.errors import InventoryError

ALL = "all"
UNGROUPED = "ungrouped"
PRIORITY_VARIABLE = "ansible_group_priority"

Where = tuple  # (file as shown, line or None)
_NOT_A_VARIABLE_NAME = re.compile(r"^[\d\W]|\W")  # Ansible's test of a group name
# Names Jinja reads as constants or operators: never variables (Ansible's list).
_JINJA_KEYWORDS = frozenset({"true", "false", "none", "True", "False", "None", "not"})


@dataclass
class GroupNode:
    name: str
    hosts: list = field(default_factory=list)  # names of the hosts listed in it directly, in order
    children: list = field(default_factory=list)  # names of its child groups, in the order they were added
    parents: list = field(default_factory=list)
    vars: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)  # variable -> Where
    priority: int = 1  # ansible_group_priority
    depth: int = 0  # longest path from all
    where: Where = (None, None)


@dataclass
class HostNode:
    name: str
    where: Where  # where it was first listed
    source: str | None  # the inventory file it was first listed in (Ansible's inventory_file)
    direct_groups: list = field(default_factory=list)
    vars: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)


class InventoryTree:
    def __init__(self):
        self.groups: dict[str, GroupNode] = {}
        self.hosts: dict[str, HostNode] = {}
        self.warnings: list[str] = []
        self.source: str | None = None  # the file being read, for hosts' inventory_file
        self._warned_names: set[str] = set()
        self.add_group(ALL, (None, None))
        self.add_group(UNGROUPED, (None, None))
        self.add_child(ALL, UNGROUPED, (None, None))

    # --- what parsers call -------------------------------------------------

    def add_group(self, name, where: Where) -> str:
        if not isinstance(name, str) or not name:
            raise InventoryError(f"group names must be non-empty strings, got {name!r}", *where)
        if name not in self.groups:
            self.groups[name] = GroupNode(name, where=where)
            if _NOT_A_VARIABLE_NAME.search(name):
                self.warnings.append(located(where, f"group name {name!r} has characters other than letters, digits"
                                                " and '_' or starts with a digit: Ansible warns about it and keeps it"))
        return name

    def add_host(self, name, group: str, where: Where, port: int | None = None) -> str:
        if not isinstance(name, str) or not name:
            raise InventoryError(f"host names must be non-empty strings, got {name!r}", *where)
        host = self.hosts.get(name)
        if host is None:  # as Ansible: a port counts only where the host is first listed
            host = self.hosts[name] = HostNode(name, where, self.source)
            if port is not None:
                self.set_host_var(name, "ansible_port", port, where)
        node = self.groups[group]
        if name not in node.hosts:
            node.hosts.append(name)
            host.direct_groups.append(group)
        return name

    def set_group_var(self, group: str, name, value, where: Where):
        node = self.groups[group]
        self._check_name(name, where)
        if name == PRIORITY_VARIABLE:  # Ansible keeps it as the group's priority, not as a variable
            try:
                node.priority = int(value)
            except (TypeError, ValueError):
                raise InventoryError(
                    f"{PRIORITY_VARIABLE} of group {group} must be an integer, got {value!r}", *where
                ) from None
            return
        node.vars[name] = value
        node.origins[name] = where

    def set_host_var(self, host: str, name, value, where: Where):
        self._check_name(name, where)
        node = self.hosts[host]
        node.vars[name] = value
        node.origins[name] = where

    def add_child(self, parent: str, child: str, where: Where):
        node, kid = self.groups[parent], self.groups[child]
        if child in node.children:
            return
        if child == parent or child in self.ancestors(parent):
            raise InventoryError(
                f"adding group {child} as a child of {parent} makes a loop ({child} is already above {parent})",
                *where,
            )
        node.children.append(child)
        if parent not in kid.parents:
            kid.parents.append(parent)

    def remove_host_from(self, group: str, host: str):
        node = self.groups[group]
        if host in node.hosts:
            node.hosts.remove(host)
            self.hosts[host].direct_groups.remove(group)

    # --- after every source --------------------------------------------------

    def reconcile(self):
        """Ansible's reconcile_inventory: orphan groups under all, hosts in no group in ungrouped."""
        for name, group in list(self.groups.items()):
            if name != ALL and not group.parents:
                self.add_child(ALL, name, group.where)
        for host in self.hosts.values():
            groups = self.host_groups(host.name)
            if UNGROUPED in groups:
                if groups - {ALL, UNGROUPED}:
                    self.remove_host_from(UNGROUPED, host.name)
            elif groups <= {ALL}:
                self.add_host(host.name, UNGROUPED, host.where)
        for name in self.groups.keys() & self.hosts.keys():
            self.warnings.append(f"found both a group and a host named {name} (as Ansible, both are kept)")
        self._compute_depths()

    def host_groups(self, host: str) -> set[str]:
        """Every group the host is in, through its children included."""
        found = set()
        for group in self.hosts[host].direct_groups:
            found.add(group)
            found |= self.ancestors(group)
        return found

    def ancestors(self, group: str) -> set[str]:
        found, pending = set(), list(self.groups[group].parents)
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                pending.extend(self.groups[name].parents)
        return found

    def hosts_in_order(self, group: str = ALL) -> list[str]:
        return hosts_in_order(self.groups, group)

    def _compute_depths(self):
        depths: dict[str, int] = {}

        def depth(name: str) -> int:  # longest path from all; the graph has no loop (add_child refuses them)
            if name not in depths:
                parents = self.groups[name].parents
                depths[name] = max((depth(parent) + 1 for parent in parents), default=0)
            return depths[name]

        for name, group in self.groups.items():
            group.depth = depth(name)

    def _check_name(self, name, where: Where):
        valid = isinstance(name, str) and name.isidentifier() and name.isascii() and name not in _JINJA_KEYWORDS
        if not valid and repr(name) not in self._warned_names:
            self._warned_names.add(repr(name))
            self.warnings.append(located(where, f"variable name {name!r} is not a valid Ansible variable name"
                                            " (letters, digits and '_', not starting with a digit);"
                                            " ansible-core accepts it with a deprecation warning"))


def descendants_in_order(groups: Mapping, group: str) -> list[str]:
    """The group, its children, theirs...: Ansible's breadth-first order, each level in the order groups were reached.

    ``groups``: name -> anything with .children (names). Ansible walks each level
    below the first as a set, so where two groups of one level both have
    children its order varies from run to run; this is the order it takes when
    the set keeps the order groups were reached in.
    """
    ordered = [group, *groups[group].children]
    seen: set[str] = set()
    level = list(dict.fromkeys([*groups[group].children, group]))
    while level:
        seen.update(level)
        below = []
        for name in level:
            for child in groups[name].children:
                below.append(child)
                if child not in seen:
                    ordered.append(child)
        level = [name for name in dict.fromkeys(below) if name not in seen]
    return list(dict.fromkeys(ordered))


def hosts_in_order(groups: Mapping, group: str) -> list[str]:
    """Ansible's Group.get_hosts(): the hosts of the group and of its descendants, each once, in that order."""
    found: dict[str, None] = {}
    for name in descendants_in_order(groups, group):
        for host in groups[name].hosts:
            found.setdefault(host)
    return list(found)


def located(where: Where, message: str) -> str:
    """``file:line: message`` for a warning, as errors are written."""
    path, line = where
    if path is None:
        return message
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"
