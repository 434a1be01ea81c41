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
        self.folder = Path(os.path.realpath(folder))
        self.shown_as = shown_as
        self.files = files
        self.warnings = warnings
        self._roots: dict[str, Path | None] = {}

    def group_layers(self, name: str) -> list[VarsLayer]:
        return self._layers(GROUP_VARS, name)

    def host_layers(self, name: str) -> list[VarsLayer]:
        return self._layers(HOST_VARS, name)

    def _layers(self, kind: str, name: str) -> list[VarsLayer]:
        root = self._root(kind)
        if root is None or name.startswith(os.sep):  # Ansible skips names that are paths (chroot hosts)
            return []
        layers = []
        for path in find_vars_files(root, name):
            shown = os.path.join(self.shown_as, os.path.relpath(path, self.folder))
            data = self.files.data(path, shown)
            if not data:
                continue
            if not isinstance(data, dict):
                raise InventoryError("a vars file must be a mapping of variables", shown,
                                     data.line if isinstance(data, LocatedMap) else 1)
            layers.append(VarsLayer(data, shown))
        return layers

    def _root(self, kind: str) -> Path | None:
        if kind not in self._roots:
            root = self.folder / kind
            if root.is_dir():
                self._roots[kind] = root
            else:
                self._roots[kind] = None
                if root.exists():
                    self.warnings.append(f"{os.path.join(self.shown_as, kind)}: not a folder, skipped (as Ansible)")
        return self._roots[kind]


def find_vars_files(root: Path, name: str) -> list[Path]:
    for extension in ("",) + VARS_EXTENSIONS:
        candidate = root / f"{name}{extension}"
        if candidate.exists():
            return files_in(candidate) if candidate.is_dir() else [candidate]
    return []


def files_in(folder: Path) -> list[Path]:
    found = []
    for entry in sorted(os.listdir(folder)):
        if entry.startswith(".") or entry.endswith("~"):
            continue
        path = folder / entry
        extension = os.path.splitext(entry)[1]
        if path.is_dir():
            if not extension:
                found.extend(files_in(path))
        elif path.is_file() and (not extension or extension in VARS_EXTENSIONS):
            found.append(path)
    return found
