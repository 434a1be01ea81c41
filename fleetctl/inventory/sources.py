"""An inventory path -> the files it stands for, each read as YAML or INI, or the whole by ansible-core.

As Ansible: a folder is every file in it, in name order, through subfolders,
except hidden names, group_vars/, host_vars/, vars_plugins/ and files ending in
.pyc .pyo .swp .bak ~ .rpm .md .txt .rst .orig .cfg .retry. A file with no
extension or ending in .yml, .yaml or .json is read as YAML when it holds a
mapping of groups, else as INI; other files as INI. Where a file is a dynamic
inventory (an executable script, a ``plugin:`` configuration, a .toml file),
fleetctl hands the whole inventory to ansible-core's InventoryManager instead
(fleetctl.inventory.ansiblesource).
"""

import os
import re
from collections.abc import Mapping
from enum import Enum
from pathlib import Path

from fleetctl.inventory.datafiles import DataFiles
from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.ini import IniSyntaxError, read_ini_inventory
from fleetctl.inventory.tree import InventoryTree
from fleetctl.inventory.yamlinventory import read_yaml_inventory

_IGNORED_NAMES = re.compile(
    r"^\.|^host_vars$|^group_vars$|^vars_plugins$|(\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.cfg"
    r"|\.retry)$"
)
YAML_EXTENSIONS = ("", ".yml", ".yaml", ".json")
PLUGIN_CONFIG_EXTENSIONS = (".yml", ".yaml")


class SourceKind(Enum):
    STATIC = "static"  # YAML or INI, read by fleetctl
    SCRIPT = "an executable inventory script"
    PLUGIN = "an inventory plugin configuration (plugin:)"
    TOML = "a TOML inventory"


def inventory_files(path: Path, shown_as: str) -> list[tuple[Path, str]]:
    """(file, as shown) for every file the inventory path stands for, in Ansible's order."""
    if not path.is_dir():
        return [(path, shown_as)]
    found = []
    for entry in sorted(os.listdir(path)):
        if not _IGNORED_NAMES.search(entry):
            found.extend(inventory_files(path / entry, os.path.join(shown_as, entry)))
    return found


def source_kind(path: Path, shown_as: str, files: DataFiles) -> SourceKind:
    extension = os.path.splitext(path)[1]
    if os.access(path, os.X_OK) and _starts_like_a_program(path):
        return SourceKind.SCRIPT
    if extension == ".toml":
        return SourceKind.TOML
    if extension in PLUGIN_CONFIG_EXTENSIONS:
        data = _yaml_data(path, shown_as, files)
        if isinstance(data, Mapping) and data.get("plugin"):
            return SourceKind.PLUGIN
    return SourceKind.STATIC


def read_static(path: Path, shown_as: str, files: DataFiles, tree: InventoryTree) -> None:
    """Add a YAML or INI inventory file's groups and hosts to the tree."""
    tree.source = shown_as
    extension = os.path.splitext(path)[1]
    yaml_error = None
    if extension in YAML_EXTENSIONS:
        try:
            data = files.data(path, shown_as)
        except InventoryError as error:
            data, yaml_error = None, error
        if isinstance(data, Mapping) and data:
            if data.get("plugin"):
                raise InventoryError("an inventory plugin configuration (plugin:) must be a .yml or .yaml file,"
                                     " as Ansible wants", shown_as, 1)
            read_yaml_inventory(data, shown_as, tree)
            return
        if yaml_error is None and data not in (None, "") and not isinstance(data, Mapping):
            yaml_error = InventoryError("an inventory must be a mapping of groups, starting with all:", shown_as, 1)
    text = files.text(path, shown_as)
    try:
        read_ini_inventory(text, shown_as, tree)
    except IniSyntaxError:
        if yaml_error is not None and (extension != "" or _looks_like_yaml(text)):
            raise yaml_error from None
        raise


def _yaml_data(path: Path, shown_as: str, files: DataFiles):
    try:
        return files.data(path, shown_as)
    except InventoryError:
        return None  # not YAML: read_static says why, or reads it as INI


def _starts_like_a_program(path: Path) -> bool:
    """An executable file is a script when it starts as one: a static file with a stray x bit stays static."""
    try:
        with open(path, "rb") as file:
            head = file.read(4)
    except OSError:
        return False
    return head.startswith(b"#!") or head == b"\x7fELF"


def _looks_like_yaml(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", ";")):
            return stripped.startswith(("---", "{", "- ")) or stripped.endswith(":") or ": " in stripped
    return False
