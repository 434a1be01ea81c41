"""Ansible INI inventories: ``[group]``, ``[group:vars]``, ``[group:children]``, host lines with variables.

Written from Ansible's documented behaviour and tested against ansible-core's
ini plugin: lines before any section are hosts of ``ungrouped``; a host line
is split like a shell line (quotes, ``#`` comments), its first word a host
pattern (ranges, ``:port``), the rest ``key=value``; a ``:vars`` line is
``key = value`` up to the end of the line. Values are Python literals where
they parse as one (``1``, ``True``, ``[1, 2]``), strings otherwise, in both.
A group a ``:children`` or ``:vars`` section names must be declared somewhere
in the file. Errors name the file and line, say the file was read as INI and
quote the line.
"""

import ast
import re
import shlex
import warnings

from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.hostranges import HostRangeError, expand_host_pattern
from fleetctl.inventory.tree import UNGROUPED, InventoryTree

_COMMENT_MARKERS = ("#", ";")
_SECTION = re.compile(r"\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?")
_GROUP_NAME = re.compile(r"([^:\]\s]+)\s*(?:#.*)?")
_SECTION_KINDS = ("hosts", "children", "vars")
# Shown as *** when a line is quoted in an error: a password on the line must not reach a terminal or a log.
_SECRET_ASSIGNMENT = re.compile(r"(\S*(?:pass|secret|token|key)\S*?\s*=\s*)(\"[^\"]*\"|'[^']*'|\S+)", re.IGNORECASE)


class IniSyntaxError(InventoryError):
    """A line the INI reader cannot take."""


def read_ini_inventory(text: str, shown_as: str, tree: InventoryTree) -> None:
    _IniReader(shown_as, tree).read(text.splitlines())


class _IniReader:
    def __init__(self, shown_as: str, tree: InventoryTree):
        self.shown_as = shown_as
        self.tree = tree
        self.line_number = 0
        self.line = ""
        # Groups named by a :children or :vars section before being declared: name -> (line, kind, parents)
        self.pending: dict[str, tuple[int, str, list[str]]] = {}

    def read(self, lines: list[str]) -> None:
        group, kind = UNGROUPED, "hosts"
        for self.line_number, raw in enumerate(lines, start=1):
            self.line = raw
            line = raw.strip()
            if not line or line.startswith(_COMMENT_MARKERS):
                continue
            section = _SECTION.fullmatch(line)
            if section:
                group, kind = self._section(section.group(1), section.group(2) or "hosts")
            elif line.startswith("[") and line.endswith("]"):
                self._fail("invalid section header: a section is [group], [group:vars] or [group:children],"
                           " without spaces")
            elif kind == "hosts":
                self._host_line(group, line)
            elif kind == "vars":
                self._vars_line(group, line)
            else:
                self._child_line(group, line)
        for name, (line_number, kind, parents) in self.pending.items():
            self.line_number, self.line = line_number, lines[line_number - 1]
            if kind == "vars":
                self._fail(f"section [{name}:vars] is for a group that is declared nowhere in the file")
            self._fail(f"section [{parents[-1]}:children] names group {name}, which is declared nowhere in the file")

    def _section(self, name: str, kind: str) -> tuple[str, str]:
        if kind not in _SECTION_KINDS:
            self._fail(f"section [{name}:{kind}] has an unknown type {kind!r} (known: vars, children)")
        if name not in self.tree.groups:
            # [group] and [group:children] declare a group; [group:vars] alone does not.
            if kind == "vars" and name not in self.pending:
                self.pending[name] = (self.line_number, kind, [])
            self.tree.add_group(name, self._where())
        declared = self.pending.get(name)
        if declared is not None and kind != "vars":
            if declared[1] == "children":
                self._add_pending_children(name)
            else:
                del self.pending[name]
        return name, kind

    def _add_pending_children(self, group: str):
        for parent in self.pending[group][2]:
            self.tree.add_child(parent, group, self._where())
            if parent in self.pending and self.pending[parent][1] == "children":
                self._add_pending_children(parent)
        del self.pending[group]

    def _host_line(self, group: str, line: str):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            self._fail(f"cannot split the host line: {error}")
        if not words:
            self._fail("expected a host name")
        pattern = words[0]
        try:
            names, port = expand_host_pattern(pattern)
        except HostRangeError as error:
            self._fail(str(error))
        if pattern.endswith(":") and port is None:
            self._fail(f"host {pattern!r} ends with ':', which is kept for a port (host:port)")
        if "---" in names:
            self._fail("a host named '---': this looks like a YAML file")
        assignments = []
        for word in words[1:]:
            if "=" not in word:
                self._fail(f"expected key=value after the host name, got {word!r}")
            name, _, value = word.partition("=")
            assignments.append((name, parse_value(value)))
        where = self._where()
        for host in names:
            self.tree.add_host(host, group, where, port)
            for name, value in assignments:
                self.tree.set_host_var(host, name, value, where)

    def _vars_line(self, group: str, line: str):
        if "=" not in line:
            self._fail("expected key=value in a :vars section")
        name, _, value = line.partition("=")
        self.tree.set_group_var(group, name.strip(), parse_value(value.strip()), self._where())

    def _child_line(self, group: str, line: str):
        match = _GROUP_NAME.fullmatch(line)
        if not match:
            self._fail("expected a group name in a :children section")
        child = match.group(1)
        if child in self.tree.groups:
            self.tree.add_child(group, child, self._where())
        elif child in self.pending:
            self.pending[child][2].append(group)
        else:
            self.pending[child] = (self.line_number, "children", [group])

    def _where(self) -> tuple[str, int]:
        return self.shown_as, self.line_number

    def _fail(self, message: str):
        quoted = _SECRET_ASSIGNMENT.sub(r"\1***", self.line.strip())
        raise IniSyntaxError(f"{message} (read as an INI inventory; the line: {quoted})", *self._where())


def parse_value(text: str):
    """A value as Ansible's INI reader gives it: the Python literal it spells, else the text."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return _plain(value)


def _plain(value):
    """Literal types Ansible does not keep become what it makes of them: tuples and sets lists, the rest text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, set)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if value is ...:
        return "..."
    if isinstance(value, complex):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return value
