"""What a deploy would write, as unified diffs against what is on the host (pure).

The environment file holds secrets: its diff shows each variable's name and
whether its value is new, changed, unchanged or gone, never a value. A role's
template marked secret shows its size only.
"""

import difflib
import re
from dataclasses import dataclass

_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
# The environment file's own first line (fleetctl.render.render_env_file): the only line shown as it is.
_MANAGED = "# Managed by fleetctl"


@dataclass(frozen=True)
class FileDiff:
    path: str
    diff: str  # a unified diff ("" when the file would not change); never a secret value


def unified(path: str, installed: str | None, desired: str | None) -> str:
    """The unified diff from the installed text to the desired one (None: no such file, or to be removed)."""
    return "".join(difflib.unified_diff(
        (installed or "").splitlines(keepends=True), (desired or "").splitlines(keepends=True),
        fromfile=f"{path} (on host)" if installed is not None else "/dev/null",
        tofile=f"{path} (new)" if desired is not None else "/dev/null",
    ))


def env_diff(path: str, installed: str | None, desired: str) -> str:
    """The environment file's diff with every value masked: `NAME=<secret>`, or `<secret: old value>` and
    `<secret: new value>` where it changed."""
    old, new = _entries(installed or ""), _entries(desired)
    old_values, new_values = dict(old), dict(new)
    return unified(path, None if installed is None else _masked(old, new_values, "old value"),
                   _masked(new, old_values, "new value"))


def secret_diff(path: str, desired: bytes) -> str:
    """A file whose content is secret: its new size only."""
    return f"{path}: secret content, not shown ({len(desired)} bytes to write)\n"


def unreadable_diff(path: str) -> str:
    """A file on the host that could not be read (no become, say): no diff, and no pretending it is empty."""
    return f"{path}: the installed file could not be read to compare\n"


def _entries(text: str) -> list[tuple[str, str]]:
    """(name, raw value) per assignment, fleetctl's header as ("", line); a line that is neither (a value
    going on over several lines, a comment someone added) belongs to the entry before it, so it is masked."""
    entries: list[tuple[str, str]] = []
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if line.startswith(_MANAGED):
            entries.append(("", line))
        elif match:
            entries.append((match.group(1), line[match.end():]))
        elif entries and entries[-1][0]:
            name, value = entries[-1]
            entries[-1] = (name, f"{value}\n{line}")
        else:
            entries.append(("#", line))
    return entries


def _masked(entries: list[tuple[str, str]], other: dict[str, str], label: str) -> str:
    lines = []
    for name, value in entries:
        if name == "":
            lines.append(value)
        elif name == "#":
            lines.append("<a line not shown>")
        else:
            changed = name in other and other[name] != value
            lines.append(f"{name}=<secret: {label}>" if changed else f"{name}=<secret>")
    return "".join(f"{line}\n" for line in lines)
