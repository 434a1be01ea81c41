"""The app's dependency tree, installed once on the control machine, and what in it is native.

resolve() runs the control machine's npm ci in a copy of the source (never in
the user's folder) with --ignore-scripts: it downloads and places every package
and builds nothing. native_packages() then reads the installed tree: a package
that would build or carry machine code makes the tree native, built once per
platform; otherwise one tree serves every host.
"""

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from fleetctl.build.archive import NOT_SOURCE
from fleetctl.build.errors import BuildFailed, BuildInputError
from fleetctl.build.source import LOCKFILES

NPM_CI = ("npm", "ci", "--omit=dev", "--ignore-scripts", "--install-links", "--no-audit", "--no-fund")
# No "new npm available" check: it asks the registry and writes to stderr, which is read for errors.
NPM_ENVIRONMENT = {"npm_config_update_notifier": "false"}
RESOLVE_TIMEOUT = 900.0
# The scripts npm runs when it installs a package (npm rebuild runs them on a builder).
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")
_OUT_OF_SYNC_DETAIL = re.compile(r"^(?:npm (?:error|ERR!) )?((?:Missing|Invalid): .*)$", re.MULTILINE)


def resolve(source_folder: Path, workdir: Path, timeout: float = RESOLVE_TIMEOUT) -> Path:
    """Copy the app into workdir/app and install its production dependencies there with npm ci; return that folder.

    A lockfile npm ci will not use is a BuildInputError naming it; any other npm failure is BuildFailed.
    """
    tree = workdir / "app"
    shutil.copytree(source_folder, tree, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    try:
        done = subprocess.run(NPM_CI, cwd=tree, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **NPM_ENVIRONMENT})
    except FileNotFoundError:
        raise BuildFailed("control: npm is not installed: the control machine installs the dependency tree"
                          " (npm ci)") from None
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"control: npm ci timed out after {timeout:g}s") from None
    if done.returncode != 0:
        raise _npm_ci_error(source_folder, done.stderr)
    _copy_linked_packages(tree)
    return tree


def _npm_ci_error(source_folder: Path, stderr: str) -> Exception:
    lockfile = next((source_folder / name for name in LOCKFILES if (source_folder / name).is_file()), None)
    if "in sync" in stderr and lockfile is not None:
        details = "; ".join(_OUT_OF_SYNC_DETAIL.findall(stderr)) or "npm ci refused it"
        return BuildInputError(f"out of sync with package.json ({details}): run `npm install` and commit"
                               f" {lockfile.name}", str(lockfile))
    if "can only install with an existing package-lock.json" in stderr:
        if lockfile is None:
            return BuildInputError("has dependencies but no package-lock.json beside it: run `npm install` and"
                                   " commit package-lock.json", str(source_folder / "package.json"))
        return BuildInputError("npm ci cannot use it (it needs lockfileVersion 1 or later): run `npm install` and"
                               f" commit {lockfile.name}", str(lockfile))
    return BuildFailed.from_npm("control", "npm ci", stderr)


def _copy_linked_packages(tree: Path) -> None:
    """Make every package npm linked inside the tree a folder of its own.

    npm ci links a `file:` dependency that the lockfile records as a link, even
    with --install-links, and npm rebuild then skips a linked package whose
    build is implied by its binding.gyp (it runs no node-gyp for it). A copy is
    built like any package, and the tree holds no link into the app's source.
    """
    node_modules = tree / "node_modules"
    for package in list(_package_folders(node_modules)):
        if package.is_symlink() and package.is_dir() and tree.resolve() in package.resolve().parents:
            target = package.resolve()
            package.unlink()
            shutil.copytree(target, package, symlinks=True)
    # npm's record of the tree as installed, links included: npm rebuild reads the folders themselves instead.
    (node_modules / ".package-lock.json").unlink(missing_ok=True)


def native_packages(tree: Path) -> list[str]:
    """The packages under tree/node_modules that make it native, by name; empty: the tree is portable.

    A package is native when it has a binding.gyp, `"gypfile": true`, an install, preinstall or
    postinstall script, or any prebuilt *.node file. The app's own package.json does not count.
    """
    return sorted({_name(package, tree) for package in _package_folders(tree / "node_modules") if _is_native(package)})


def _package_folders(node_modules: Path, seen: set[Path] | None = None) -> Iterator[Path]:
    """Every package folder under node_modules (scoped, and nested in other packages' node_modules)."""
    seen = set() if seen is None else seen
    if not node_modules.is_dir() or node_modules.resolve() in seen:
        return
    seen.add(node_modules.resolve())
    for entry in sorted(node_modules.iterdir()):
        if entry.name.startswith("."):  # .bin, .package-lock.json, npm's staging folders
            continue
        scoped = sorted(entry.iterdir()) if entry.name.startswith("@") and entry.is_dir() else [entry]
        for folder in scoped:
            if (folder / "package.json").is_file():
                yield folder
                yield from _package_folders(folder / "node_modules", seen)


def _is_native(package: Path) -> bool:
    manifest = _manifest(package)
    scripts = manifest.get("scripts")
    if (package / "binding.gyp").is_file() or manifest.get("gypfile") is True:
        return True
    if isinstance(scripts, dict) and any(scripts.get(name) for name in INSTALL_SCRIPTS):
        return True
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "node_modules"]  # those are packages of their own
        if any(name.endswith(".node") for name in files):
            return True
    return False


def _name(package: Path, tree: Path) -> str:
    name = _manifest(package).get("name")
    return name if isinstance(name, str) and name else package.relative_to(tree / "node_modules").as_posix()


def _manifest(package: Path) -> dict:
    try:
        data = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # npm placed it; what it declares is unreadable, so it declares nothing
    return data if isinstance(data, dict) else {}
