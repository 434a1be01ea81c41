"""package.json and lockfile rules, checked before npm runs; engines.node with npm's semver semantics."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fleetctl.build.errors import BuildInputError
from fleetctl.build.source import AppSource, engines_satisfied


def app(tmp_path, package: dict | str | None, lockfile: str | None = None):
    folder = tmp_path / "app"
    folder.mkdir()
    if package is not None:
        text = package if isinstance(package, str) else json.dumps(package, indent=2) + "\n"
        (folder / "package.json").write_text(text)
    if lockfile is not None:
        (folder / "package-lock.json").write_text(lockfile)
    return folder


def test_an_app_with_dependencies_and_its_lockfile(tmp_path):
    folder = app(tmp_path, {"name": "a", "dependencies": {"express": "^4.19.0"}, "devDependencies": {"jest": "*"},
                            "optionalDependencies": {"fsevents": "*"}, "engines": {"node": ">=18 <21"}}, "{}")
    source = AppSource.read(folder)
    assert source.dependencies == {"express": "^4.19.0", "fsevents": "*"}  # dev dependencies never reach a host
    assert source.engines_node == ">=18 <21"
    assert source.has_lockfile and source.lockfile == folder / "package-lock.json"
    assert source.package_json == folder / "package.json"


def test_no_package_json_is_an_app_without_dependencies(tmp_path):
    source = AppSource.read(app(tmp_path, None))
    assert (source.dependencies, source.engines_node, source.has_lockfile) == ({}, None, False)


def test_no_dependencies_needs_no_lockfile(tmp_path):
    assert not AppSource.read(app(tmp_path, {"name": "a", "devDependencies": {"jest": "*"}})).has_lockfile


def test_dependencies_without_a_lockfile_name_package_json_and_the_line(tmp_path):
    folder = app(tmp_path, {"name": "a", "dependencies": {"express": "^4"}})
    with pytest.raises(BuildInputError) as raised:
        AppSource.read(folder)
    assert str(raised.value).startswith(f"{folder / 'package.json'}:3: has dependencies but no package-lock.json")
    assert "\n" not in str(raised.value)


def test_a_shrinkwrap_is_a_lockfile(tmp_path):
    folder = app(tmp_path, {"dependencies": {"express": "^4"}})
    (folder / "npm-shrinkwrap.json").write_text("{}")
    assert AppSource.read(folder).lockfile == folder / "npm-shrinkwrap.json"


@pytest.mark.parametrize("package, lockfile, where, message", [
    ('{\n  "name": "a",\n  "dependencies": {,\n}\n', None, "package.json:3", "not valid JSON: Expecting property name"),
    ("[1, 2]", None, "package.json", "must hold a JSON object, not list"),
    ({"name": "a", "dependencies": ["express"]}, None, "package.json:3", "dependencies must be an object"),
    ({"name": "a", "engines": {"node": "lts please"}}, None, "package.json:4", "engines.node 'lts please' is not"),
    ({"name": "a", "engines": {"node": 18}}, None, "package.json:4", "engines.node 18 is not a semver range"),
    ({"dependencies": {"x": "1"}}, '{\n  "lockfileVersion": 3,\n  oops\n}', "package-lock.json:3", "not valid JSON"),
    ({"dependencies": {"shared": "file:../shared"}}, "{}", "package.json:3", "dependency shared is 'file:../shared', outside"),
    ({"dependencies": {"shared": "../shared"}}, "{}", "package.json:3", "outside the app folder"),
    ({"dependencies": {"shared": "file:///opt/shared"}}, "{}", "package.json:3", "outside the app folder"),
])
def test_bad_input_is_one_line_naming_the_file(tmp_path, package, lockfile, where, message):
    folder = app(tmp_path, package, lockfile)
    with pytest.raises(BuildInputError) as raised:
        AppSource.read(folder)
    text = str(raised.value)
    assert text.startswith(f"{folder / where}: ") and message in text and "\n" not in text


def test_a_local_dependency_inside_the_app_is_fine(tmp_path):
    folder = app(tmp_path, {"dependencies": {"addon": "file:./addon", "other": "./vendor/other"}}, "{}")
    assert AppSource.read(folder).dependencies == {"addon": "file:./addon", "other": "./vendor/other"}


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(BuildInputError, match=f"^{tmp_path / 'nope'}: app source folder does not exist$"):
        AppSource.read(tmp_path / "nope")


@pytest.mark.parametrize("node_range, version, satisfied", [
    ("^18", "v18.20.4", True),
    ("^18", "18.0.0", True),
    ("^18", "v20.11.1", False),
    (">=18 <21", "v20.11.1", True),
    (">=18 <21", "v21.0.0", False),
    ("18.x || 20.x", "v20.11.1", True),
    ("18.x || 20.x", "v19.9.0", False),
    (">=18", "v22.0.0-nightly20240101", True),  # npm's engine check counts prereleases
    ("*", "v12.22.12", True),
    (">=14.17", "v14.16.1", False),
    ("^18", "not a version", False),
])
def test_engines_node_is_judged_as_npm_judges_it(node_range, version, satisfied):
    assert engines_satisfied(node_range, version) is satisfied


# Versions a fleet runs (Debian's 18, nodesource's, a prerelease, old ones), against real ranges.
NODE_VERSIONS = ["v18.19.0", "v18.20.4", "v20.11.1", "v20.20.2", "v22.9.0", "v22.0.0-nightly20240101",
                 "v16.20.2", "v14.17.0", "v14.16.1", "v12.22.12", "v24.1.0", "v0.10.48", "v21.7.3"]

# npm's own engine check: npm-install-checks' checkEngine, with the semver npm ships.
NPM_ENGINE_CHECK = """
const path = require('path');
const npm = process.argv[1];
const { checkEngine } = require(path.join(npm, 'node_modules', 'npm-install-checks'));
const { ranges, versions } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const verdicts = ranges.map(range => versions.map(version => {
  try { checkEngine({ engines: { node: range } }, null, version); return true; }
  catch (error) { if (error.code === 'EBADENGINE') return false; throw error; }
}));
process.stdout.write(JSON.stringify(verdicts));
"""


def real_engines_ranges(npm_root: Path) -> list[str]:
    """Every engines.node range in the packages npm itself ships: ranges their authors wrote."""
    found = set()
    for package_json in npm_root.rglob("package.json"):
        try:
            node_range = json.loads(package_json.read_text()).get("engines", {}).get("node")
        except (ValueError, AttributeError):
            continue
        if isinstance(node_range, str):
            found.add(node_range)
    return sorted(found)


def test_engines_node_agrees_with_npms_own_engine_check_on_the_ranges_npms_packages_declare():
    assert shutil.which("npm") and shutil.which("node"), "setup-machine.sh installs node and npm"
    npm_root = Path(subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, check=True)
                    .stdout.strip()) / "npm"
    ranges = real_engines_ranges(npm_root)
    assert len(ranges) >= 20, ranges
    npm_verdicts = json.loads(subprocess.run(
        ["node", "-e", NPM_ENGINE_CHECK, str(npm_root)], input=json.dumps({"ranges": ranges, "versions": NODE_VERSIONS}),
        capture_output=True, text=True, check=True).stdout)
    ours = [[engines_satisfied(node_range, version) for version in NODE_VERSIONS] for node_range in ranges]
    differences = [(node_range, version, theirs_row[column])
                   for node_range, theirs_row, ours_row in zip(ranges, npm_verdicts, ours)
                   for column, version in enumerate(NODE_VERSIONS) if theirs_row[column] != ours_row[column]]
    assert differences == [], "(range, version, npm's verdict) where fleetctl differs"
