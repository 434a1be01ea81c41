"""group_vars/ and host_vars/ of one folder, found as Ansible's host_group_vars plugin finds them.

For a group or host NAME, the first of ``NAME``, ``NAME.yml``, ``NAME.yaml``,
``NAME.json`` that exists is read, and only it: a folder of that name
(``group_vars/all/``) is read whole, every file in it and in its subfolders,
in name order, files and folders sorted together; files there count when they
have no extension or end in .yml, .yaml or .json; names starting with '.' or
ending with '~' are skipped, and so are subfolders with a dot in their name.
A file for a host or group the inventory does not have is never looked at.
An empty file adds nothing; a file that is not a mapping is an error.
"""

import os
import stat
from pathlib import Path

from fleetctl.inventory.datafiles import DataFiles
from fleetctl.inventory.errors import InventoryError
from fleetctl.yamlfile import LocatedMap

VARS_EXTENSIONS = (".yml", ".yaml", ".json")
GROUP_VARS = "group_vars"
HOST_VARS = "host_vars"


class VarsLayer:
    """One file's variables, and where each was set: line_of(name)."""

    __slots__ = ("vars", "shown_as")

    def __init__(self, variables: dict, shown_as: str):
        self.vars = variables
        self.shown_as = shown_as

    def where(self, name) -> tuple[str, int | None]:
        line = self.vars.line_of(name) if isinstance(self.vars, LocatedMap) else None
        return self.shown_as, line


class VarsFolder:
    """group_vars/ and host_vars/ beside one inventory source (or a playbook)."""

    def __init__(self, folder: Path, shown_as: str, files: DataFiles, warnings: list[str]):
        self.folder = os.path.realpath(folder)
        self.shown_as = shown_as
        self.files = files
        self.warnings = warnings
        self._entries: dict[str, set[str] | None] = {}

    def group_layers(self, name: str) -> list[VarsLayer]:
        return self._layers(GROUP_VARS, name)

    def host_layers(self, name: str) -> list[VarsLayer]:
        return self._layers(HOST_VARS, name)

    def _layers(self, kind: str, name: str) -> list[VarsLayer]:
        entries = self._listing(kind)
        if not entries or name.startswith(os.sep):  # Ansible skips names that are paths (chroot hosts)
            return []
        root = os.path.join(self.folder, kind)
        layers = []
        for path in find_vars_files(root, name, entries):
            shown = os.path.join(self.shown_as, kind, path[len(root) + 1:])
            data = self.files.data(Path(path), shown)
            if not data:
                continue
            if not isinstance(data, dict):
                raise InventoryError("a vars file must be a mapping of variables", shown,
                                     data.line if isinstance(data, LocatedMap) else 1)
            layers.append(VarsLayer(data, shown))
        return layers

    def _listing(self, kind: str) -> set[str] | None:
        """The names in group_vars/ (or host_vars/), listed once: thousands of hosts need no stat each."""
        if kind not in self._entries:
            root = os.path.join(self.folder, kind)
            try:
                self._entries[kind] = set(os.listdir(root))
            except NotADirectoryError:
                self._entries[kind] = None
                self.warnings.append(f"{os.path.join(self.shown_as, kind)}: not a folder, skipped (as Ansible)")
            except OSError:
                self._entries[kind] = None
        return self._entries[kind]


def find_vars_files(root: str, name: str, entries: set[str] | None = None) -> list[str]:
    """The files for NAME in root (entries: root's listing, when known)."""
    for extension in ("",) + VARS_EXTENSIONS:
        entry = f"{name}{extension}"
        if entries is not None and entry not in entries:
            continue
        candidate = os.path.join(root, entry)
        try:
            mode = os.stat(candidate).st_mode
        except OSError:  # missing, or a broken link: Ansible goes on to the next name
            continue
        return files_in(candidate) if stat.S_ISDIR(mode) else [candidate]
    return []


def files_in(folder: str) -> list[str]:
    found = []
    for entry in sorted(os.listdir(folder)):
        if entry.startswith(".") or entry.endswith("~"):
            continue
        path = os.path.join(folder, entry)
        extension = os.path.splitext(entry)[1]
        if os.path.isdir(path):
            if not extension:
                found.extend(files_in(path))
        elif os.path.isfile(path) and (not extension or extension in VARS_EXTENSIONS):
            found.append(path)
    return found
