"""The programs fleetctl runs on hosts: each a real file in this folder, loaded by name.

A shell script goes to `sh -s` on stdin, its arguments as $1, $2, ... (script);
a line "# Needs: lib/NAME.sh" in it has that library put before it, so the
host still runs one text in one exec. A script that stdin cannot carry (stdin
is the data of the file it writes) runs as `sh -c` on one line (one_line).
Each file's header says what it does, its arguments, output and exit codes.

It sits low in fleetctl's layers (fleetctl/__init__.py) and imports nothing from the rest of fleetctl.
"""

import re
from enum import IntEnum
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
_NEEDS = re.compile(r"^# Needs: (\S+)$", re.MULTILINE)


class LockExit(IntEnum):
    """lock-acquire.sh's exit codes, as its header documents them."""

    ACQUIRED = 0
    CANNOT_CREATE = 2  # the folder to lock does not exist and cannot be made
    HELD = 3  # another deploy holds the lock; stdout is its owner line


class BuildExit(IntEnum):
    """build-release.sh's exit codes, as its header documents them."""

    BUILT = 0
    NPM_FAILED = 3  # npm rebuild failed; its messages are on stderr


@cache
def script(name: str) -> str:
    """The program `name` (e.g. "switch-current.sh"), after the libraries it needs."""
    text = _read(name)
    return "".join(_read(library) for library in _NEEDS.findall(text)) + text


@cache
def one_line(name: str) -> str:
    """The script `name` as one line for `sh -c`: comments dropped, its lines joined by "; ".

    An `sh -c` script travels inside the command line, which the login shell on
    the host parses first; one line reads the same to every shell (and to sudo's
    log). Each line of such a script is therefore a whole command.
    """
    lines = (line.strip() for line in _read(name).splitlines())
    return "; ".join(line for line in lines if line and not line.startswith("#"))


def _read(name: str) -> str:
    return (FOLDER / name).read_text(encoding="utf-8")
