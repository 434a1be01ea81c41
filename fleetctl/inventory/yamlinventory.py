"""Ansible YAML inventories: top-level groups holding ``hosts``, ``children`` and ``vars``.

Written from Ansible's documented behaviour and tested against ansible-core's
yaml plugin: a group's body is a mapping or empty; ``hosts``, ``children`` and
``vars`` may be a single name written as a string; a host key is a host
pattern (``web[1:3]``, ``web1.example.com:2222`` sets the port); any other key
in a group, and a top-level entry that is not a group, is skipped with a
warning. What Ansible refuses (a list where a mapping belongs, a host key that
is not a string, host variables that are not a mapping) is an error naming the
file and line.
"""

from collections.abc import Mapping

from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.hostranges import HostRangeError, expand_host_pattern
from fleetctl.inventory.tree import InventoryTree, located
from fleetctl.yamlfile import LocatedMap

SECTIONS = ("vars", "children", "hosts")


def read_yaml_inventory(data: Mapping, shown_as: str, tree: InventoryTree) -> None:
    """Add a parsed YAML (or JSON) inventory's groups and hosts to the tree."""
    reader = _YamlReader(shown_as, tree)
    for name in data:
        reader.group(name, data[name], _line(data, name), top_level=True)


def _line(mapping, key) -> int | None:
    return mapping.line_of(key) if isinstance(mapping, LocatedMap) else None


def _type_name(value) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean", list: "a list"}.get(
        type(value), type(value).__name__)


class _YamlReader:
    def __init__(self, shown_as: str, tree: InventoryTree):
        self.shown_as = shown_as
        self.tree = tree

    def group(self, name, body, line: int | None, top_level: bool = False) -> str | None:
        where = (self.shown_as, line)
        if not (body is None or isinstance(body, Mapping)):
            if top_level:
                self.tree.warnings.append(located(where, f"skipping {name}: a group must be a mapping of hosts,"
                                                         f" children and vars, got {_type_name(body)}"))
                return None
            raise InventoryError(f"group {name} must be a mapping of hosts, children and vars,"
                                 f" got {_type_name(body)}", *where)
        self.tree.add_group(name, where)
        if body is None:
            return name
        sections = {}
        for section in SECTIONS:
            if section in body:
                value = body[section]
                if isinstance(value, str):  # Ansible's shorthand: one name
                    value = {value: None}
                if not (value is None or isinstance(value, Mapping)):
                    raise InventoryError(
                        f"{section} of group {name} must be a mapping, got {_type_name(value)}"
                        + (" (hosts are written as keys: 'hosts: {web1: , web2: }')" if section == "hosts" else ""),
                        self.shown_as, _line(body, section),
                    )
                sections[section] = value
        for key in body:
            value = sections.get(key, body[key])
            key_where = (self.shown_as, _line(body, key))
            if not (value is None or isinstance(value, Mapping)):
                self.tree.warnings.append(located(key_where, f"skipping key {key} in group {name}: it is"
                                                             f" {_type_name(value)}, not a mapping"))
            elif value is None:
                continue
            elif key == "vars":
                for variable in value:
                    self.tree.set_group_var(name, variable, value[variable], (self.shown_as, _line(value, variable)))
            elif key == "children":
                for child in value:
                    child_line = _line(value, child)
                    self.group(child, value[child], child_line)
                    self.tree.add_child(name, child, (self.shown_as, child_line))
            elif key == "hosts":
                for pattern in value:
                    self.hosts(name, pattern, value[pattern], _line(value, pattern))
            else:
                self.tree.warnings.append(located(key_where, f"skipping key {key} in group {name}: a group holds"
                                                             " only hosts, children and vars (a host written here"
                                                             " is in no group; list it under hosts:)"))
        return name

    def hosts(self, group: str, pattern, variables, line: int | None):
        where = (self.shown_as, line)
        if not isinstance(pattern, str):
            raise InventoryError(f"host pattern {pattern!r} must be a string: quote numbers", *where)
        try:
            names, port = expand_host_pattern(pattern)
        except HostRangeError as error:
            raise InventoryError(str(error), *where) from None
        variables = variables or {}
        if not isinstance(variables, Mapping):
            raise InventoryError(f"variables of host {pattern} must be a mapping, got {_type_name(variables)}", *where)
        for host in names:
            self.tree.add_host(host, group, where, port)
            for variable in variables:
                self.tree.set_host_var(host, variable, variables[variable], (self.shown_as, _line(variables, variable)))
