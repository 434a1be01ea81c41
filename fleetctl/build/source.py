"""The app's source folder as the build reads it: package.json's dependencies and engines.node, and its lockfile.

Every rule here is checked before npm or any host is involved; a broken rule is
a BuildInputError naming the file (and the line when it is known).
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fleetctl.build.errors import BuildInputError

# What `npm ci --omit=dev` installs: dev dependencies never reach a host.
INSTALLED_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")
# npm ci reads either; npm-shrinkwrap.json wins when both are there.
LOCKFILES = ("npm-shrinkwrap.json", "package-lock.json")
# A dependency installed from a folder or file on the control machine (npm's directory and file specs).
_LOCAL_SPEC = re.compile(r"^(?:file:|link:)(?://)?(?P<a>.*)$|^(?P<b>(?:\.{1,2}|~)?/.*)$")


@dataclass(frozen=True)
class AppSource:
    folder: Path
    dependencies: Mapping[str, str]  # name -> spec, of every field npm ci --omit=dev installs
    engines_node: str | None  # package.json engines.node, a valid semver range
    lockfile: Path | None  # package-lock.json (or npm-shrinkwrap.json), when there is one

    @property
    def package_json(self) -> Path:
        return self.folder / "package.json"

    @property
    def has_lockfile(self) -> bool:
        return self.lockfile is not None

    @classmethod
    def read(cls, folder: Path) -> "AppSource":
        """Read and check package.json and the lockfile. No package.json: an app with no dependencies."""
        if not folder.is_dir():
            raise BuildInputError("app source folder does not exist", str(folder))
        lockfile = next((folder / name for name in LOCKFILES if (folder / name).is_file()), None)
        package_json = folder / "package.json"
        if not package_json.is_file():
            return cls(folder, {}, None, lockfile)
        text = package_json.read_text(encoding="utf-8", errors="replace")
        package = _json_object(text, package_json)
        dependencies = _dependencies(package, text, package_json)
        engines_node = _engines_node(package, text, package_json)
        _check_local_dependencies(dependencies, folder, text, package_json)
        if dependencies and lockfile is None:
            raise BuildInputError(
                "has dependencies but no package-lock.json beside it: run `npm install` and commit package-lock.json"
                " (hosts get exactly what it locks)", str(package_json), _line_of(text, "dependencies"))
        if lockfile is not None:
            _json_object(lockfile.read_text(encoding="utf-8", errors="replace"), lockfile)
        return cls(folder, dependencies, engines_node, lockfile)


def engines_satisfied(node_range: str, version: str) -> bool:
    """Whether a Node version ("v18.20.4" or "18.20.4") is in an engines.node range, as npm decides it
    (node-semver; prereleases count, as npm's engine check counts them). An unreadable version is not."""
    import nodesemver  # only for an app with engines.node: a plan of bare hosts never loads it

    try:
        return nodesemver.satisfies(version, node_range, loose=False, include_prerelease=True)
    except ValueError:
        return False


def _json_object(text: str, path: Path) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BuildInputError(f"not valid JSON: {error.msg} (column {error.colno})", str(path), error.lineno) from None
    if not isinstance(data, dict):
        raise BuildInputError(f"must hold a JSON object, not {type(data).__name__}", str(path))
    return data


def _dependencies(package: dict, text: str, path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for field in INSTALLED_FIELDS:
        value = package.get(field, {})
        if not isinstance(value, dict) or not all(isinstance(spec, str) for spec in value.values()):
            raise BuildInputError(f"{field} must be an object of name: version range", str(path),
                                  _line_of(text, field))
        found.update(value)
    return found


def _engines_node(package: dict, text: str, path: Path) -> str | None:
    engines = package.get("engines", {})
    if not isinstance(engines, dict):
        raise BuildInputError("engines must be an object", str(path), _line_of(text, "engines"))
    node_range = engines.get("node")
    if node_range is None:
        return None
    import nodesemver  # see engines_satisfied

    if not isinstance(node_range, str) or nodesemver.valid_range(node_range, loose=False) is None:
        raise BuildInputError(f"engines.node {node_range!r} is not a semver range (e.g. \">=18\", \"^20\")",
                              str(path), _line_of(text, "node"))
    return node_range


def _check_local_dependencies(dependencies: Mapping[str, str], folder: Path, text: str, path: Path) -> None:
    """A dependency from a folder outside the app cannot be built: only the app folder is copied and shipped."""
    root = folder.resolve()
    for name, spec in dependencies.items():
        match = _LOCAL_SPEC.match(spec)
        if not match:
            continue
        target = Path(match.group("a") if match.group("a") is not None else match.group("b")).expanduser()
        resolved = (folder / target).resolve()
        if resolved != root and root not in resolved.parents:
            raise BuildInputError(f"dependency {name} is {spec!r}, outside the app folder: only the app folder is"
                                  " built and shipped (move it inside, or publish it)", str(path), _line_of(text, name))


def _line_of(text: str, key: str) -> int | None:
    """The line of the first `"key":` in a JSON text, for messages (JSON parsers keep no positions)."""
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else None
