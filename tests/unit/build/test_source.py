"""package.json and lockfile rules, checked before npm runs; engines.node with npm's semver semantics."""

import json

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
