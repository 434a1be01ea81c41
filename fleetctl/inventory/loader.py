"""Ansible YAML inventory -> Inventory.

Follows Ansible's yaml inventory plugin: top-level keys are groups (children
of ``all``); a group holds ``hosts``, ``children`` and ``vars``; a host in
nothing but ``all`` lands in ``ungrouped``. Variables merge in Ansible's order
(its default VARIABLE_PRECEDENCE): inline vars of all < inline vars of the
other groups (parents before children) < group_vars/all < group_vars of the
other groups (parents before children) < inline host vars < host_vars files.
The defaults of the roles a host lists in fleet_roles sit below all of these.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.hostranges import expand_host_pattern
from fleetctl.inventory.model import Group, Host, Inventory
from fleetctl.inventory.roledefaults import role_defaults
from fleetctl.inventory.schema import check_variable, fleet_defaults
from fleetctl.inventory.values import VariableValueError
from fleetctl.inventory.varsfiles import names_with_vars_files, vars_files_for
from fleetctl.yamlfile import LocatedMap, load_yaml

ADDRESS_VARIABLES = ("ansible_host", "ansible_ssh_host")
# An address ssh can take as a destination: no whitespace, and no leading '-'
# (it would be read as an option).
_USABLE_ADDRESS = re.compile(r"[^\s-]\S*")


def load_inventory(path) -> Inventory:
    """Read and validate an inventory; any problem raises InventoryError (one line)."""
    return _InventoryReader(Path(path), str(path)).read()


@dataclass
class _GroupDraft:
    name: str
    parents: list = field(default_factory=list)
    children: list = field(default_factory=list)
    hosts: list = field(default_factory=list)
    inline_vars: dict = field(default_factory=dict)
    file_vars: dict = field(default_factory=dict)
    depth: int = 0


@dataclass
class _HostDraft:
    name: str
    shown_at: tuple  # (file, line) where first listed, for errors about the host
    groups: list = field(default_factory=list)
    inline_vars: dict = field(default_factory=dict)
    file_vars: dict = field(default_factory=dict)


class _InventoryReader:
    """One load of one inventory file; holds the drafts while they are built."""

    def __init__(self, path: Path, shown_as: str):
        self.path = path
        self.shown_as = shown_as
        # Like Ansible: group_vars/ sits beside the path as given (a symlinked
        # inventory uses the folder of the link).
        self.base_dir = Path(os.path.abspath(path)).parent
        self.shown_dir = os.path.dirname(shown_as)
        self.groups: dict[str, _GroupDraft] = {}
        self.hosts: dict[str, _HostDraft] = {}
        self.nesting_lines: dict[tuple[str, str], int] = {}  # (parent, child) -> line listing the child

    def read(self) -> Inventory:
        data = load_yaml(self.path, self.shown_as, InventoryError)
        if data is None:
            raise InventoryError("the inventory is empty", self.shown_as, 1)
        if not isinstance(data, LocatedMap):
            raise InventoryError("an inventory must be a mapping of groups, starting with all:", self.shown_as, 1)
        self._group("all")
        for name, body in data.items():
            self._read_group(name, body, parent="all" if name != "all" else None, where=data.line_of(name))
        if not self.hosts:
            raise InventoryError("the inventory defines no hosts", self.shown_as, data.line)
        self._place_ungrouped_hosts()
        self._compute_depths()
        self._read_vars_files()
        return self._build()

    # --- structure ---------------------------------------------------------

    def _group(self, name) -> _GroupDraft:
        if name not in self.groups:
            self.groups[name] = _GroupDraft(name)
        return self.groups[name]

    def _read_group(self, name, body, parent, where):
        if not isinstance(name, str) or not name:
            raise InventoryError(f"group names must be strings, got {name!r}", self.shown_as, where)
        group = self._group(name)
        if parent is not None and parent not in group.parents:
            group.parents.append(parent)
            self.groups[parent].children.append(name)
            self.nesting_lines[(parent, name)] = where
        if body is None:
            return
        if not isinstance(body, LocatedMap):
            raise InventoryError(
                f"group {name} must be a mapping of hosts, children and vars", self.shown_as, where
            )
        for key, value in body.items():
            line = body.line_of(key)
            if key == "vars":
                group.inline_vars.update(self._checked_vars(value, self.shown_as, line, f"vars of group {name}"))
            elif key == "hosts":
                self._read_hosts(name, value, line)
            elif key == "children":
                if value is None:
                    continue
                if not isinstance(value, LocatedMap):
                    raise InventoryError(f"children of group {name} must be a mapping of groups", self.shown_as, line)
                for child, child_body in value.items():
                    self._read_group(child, child_body, parent=name, where=value.line_of(child))
            else:
                raise InventoryError(
                    f"unexpected key {key} in group {name}: a group holds only hosts, children and vars"
                    f" (a host written here would be in no group; list it under hosts:)",
                    self.shown_as, line,
                )

    def _read_hosts(self, group_name, hosts, line):
        if hosts is None:
            return
        if not isinstance(hosts, LocatedMap):
            raise InventoryError(
                f"hosts of group {group_name} must be a mapping of host names (a list is not valid Ansible YAML)",
                self.shown_as, line,
            )
        for pattern, host_vars in hosts.items():
            host_line = hosts.line_of(pattern)
            if not isinstance(pattern, str) or not pattern:
                raise InventoryError(f"host names must be strings, got {pattern!r}", self.shown_as, host_line)
            try:
                names = expand_host_pattern(pattern)
            except ValueError as exc:
                raise InventoryError(str(exc), self.shown_as, host_line) from None
            checked = self._checked_vars(host_vars, self.shown_as, host_line, f"vars of host {pattern}")
            for name in names:
                host = self.hosts.get(name)
                if host is None:
                    host = self.hosts[name] = _HostDraft(name, (self.shown_as, host_line))
                if group_name not in host.groups:
                    host.groups.append(group_name)
                    self.groups[group_name].hosts.append(name)
                host.inline_vars.update(checked)

    def _place_ungrouped_hosts(self):
        for host in self.hosts.values():
            if host.groups == ["all"]:
                self._read_group("ungrouped", None, parent="all", where=None)
                host.groups.append("ungrouped")
                self.groups["ungrouped"].hosts.append(host.name)

    def _compute_depths(self):
        def visit(name, depth, path):
            if name in path:
                cycle = " -> ".join(path[path.index(name):] + [name])
                line = self.nesting_lines.get((path[-1], name))
                raise InventoryError(f"groups nest in a cycle: {cycle}", self.shown_as, line)
            group = self.groups[name]
            group.depth = max(group.depth, depth)
            for child in group.children:
                visit(child, depth + 1, path + [name])

        visit("all", 0, [])

    # --- variables -----------------------------------------------------------

    def _checked_vars(self, mapping, shown_as, line, what) -> dict:
        if mapping is None:
            return {}
        if not isinstance(mapping, LocatedMap):
            raise InventoryError(f"{what} must be a mapping of variables", shown_as, line)
        checked = {}
        for name, value in mapping.items():
            where = mapping.line_of(name)
            if name in ADDRESS_VARIABLES and (value is None or (isinstance(value, str) and not value.strip())):
                raise InventoryError(
                    f"missing address: {name} is empty (set it, or remove it to use the host name)", shown_as, where
                )
            try:
                checked[name] = check_variable(name, value, self.base_dir)
            except VariableValueError as exc:
                raise InventoryError(str(exc), shown_as, where) from None
        return checked

    def _read_vars_file(self, path: Path) -> dict:
        shown = os.path.join(self.shown_dir, os.path.relpath(path, self.base_dir))
        data = load_yaml(path, shown, InventoryError)
        line = data.line if isinstance(data, LocatedMap) else 1
        return self._checked_vars(data, shown, line, "a vars file")

    def _read_vars_files(self):
        for group in self.groups.values():
            for path in vars_files_for(self.base_dir, "group_vars", group.name):
                group.file_vars.update(self._read_vars_file(path))
        for name, path in names_with_vars_files(self.base_dir, "host_vars"):
            if name not in self.hosts:
                shown = os.path.join(self.shown_dir, os.path.relpath(path, self.base_dir))
                raise InventoryError(
                    f"host {name} has vars here but is in no group of the inventory", shown, 1
                )
        for host in self.hosts.values():
            for path in vars_files_for(self.base_dir, "host_vars", host.name):
                host.file_vars.update(self._read_vars_file(path))

    # --- result --------------------------------------------------------------

    def _group_order(self, names):
        def priority(name):
            value = self.groups[name].inline_vars.get("ansible_group_priority", 1)
            return value if isinstance(value, int) else 1

        return sorted(names, key=lambda name: (self.groups[name].depth, priority(name), name))

    def _ancestors(self, host: _HostDraft) -> set[str]:
        found = set()
        pending = list(host.groups)
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                pending.extend(self.groups[name].parents)
        return found

    def _build(self) -> Inventory:
        hosts = []
        for draft in self.hosts.values():
            groups = self._group_order(self._ancestors(draft) | {"all"})
            inventory_vars: dict = {}
            all_group = self.groups["all"]
            others = [self.groups[name] for name in groups if name != "all"]
            # Ansible's default VARIABLE_PRECEDENCE: every inline group var
            # (all first) is below every group_vars file (all first).
            layers = [all_group.inline_vars] + [group.inline_vars for group in others]
            layers += [all_group.file_vars] + [group.file_vars for group in others]
            layers += [draft.inline_vars, draft.file_vars]
            for layer in layers:
                inventory_vars.update(layer)
            # Role defaults sit below everything the inventory sets (Ansible's role defaults).
            from_roles: dict = {}
            for role_path in inventory_vars.get("fleet_roles", ()):
                from_roles.update(role_defaults(Path(role_path)))
            merged = {**fleet_defaults(), **from_roles, **inventory_vars}
            self._check_address(draft, merged)
            hosts.append(Host(draft.name, tuple(groups), MappingProxyType(merged)))
        groups = {
            draft.name: Group(
                name=draft.name,
                parents=tuple(draft.parents),
                children=tuple(draft.children),
                hosts=tuple(draft.hosts),
                depth=draft.depth,
            )
            for draft in self.groups.values()
        }
        return Inventory(self.shown_as, hosts, groups)

    def _check_address(self, draft: _HostDraft, merged: dict):
        if merged.get("ansible_connection") == "local":
            return
        explicit = next((merged[name] for name in ADDRESS_VARIABLES if merged.get(name) is not None), None)
        address = explicit if explicit is not None else draft.name
        if not _USABLE_ADDRESS.fullmatch(address):
            shown_as, line = draft.shown_at
            why = f"ansible_host {address!r}" if explicit is not None else f"its name {address!r}"
            raise InventoryError(
                f"host {draft.name} has no usable address: {why} cannot be an SSH destination; set ansible_host",
                shown_as, line,
            )
