"""group_vars/ and host_vars/ beside the inventory file, as Ansible reads them.

For a name, any of ``<name>``, ``<name>.yml``, ``<name>.yaml``, ``<name>.json``
or a folder ``<name>/`` whose files are read in name order.
"""

import os
from pathlib import Path

VARS_EXTENSIONS = ("", ".yml", ".yaml", ".json")


def vars_files_for(base_dir: Path, folder: str, name: str) -> list[Path]:
    root = base_dir / folder
    found = []
    for extension in VARS_EXTENSIONS:
        candidate = root / f"{name}{extension}"
        if candidate.is_file():
            found.append(candidate)
        elif extension == "" and candidate.is_dir():
            found.extend(_files_in(candidate))
    return found


def names_with_vars_files(base_dir: Path, folder: str) -> list[tuple[str, Path]]:
    """(name, file) for every entry of e.g. host_vars/, so strays can be reported."""
    root = base_dir / folder
    if not root.is_dir():
        return []
    entries = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        name = entry.name
        for extension in VARS_EXTENSIONS[1:]:
            if entry.is_file() and name.endswith(extension):
                name = name[: -len(extension)]
                break
        entries.append((name, entry))
    return entries


def _files_in(folder: Path) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if not filename.startswith(".") and filename.endswith(VARS_EXTENSIONS[1:]):
                files.append(Path(dirpath) / filename)
    return files
