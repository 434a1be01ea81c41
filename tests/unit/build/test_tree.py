"""The dependency tree: real npm ci against the registry (tiny packages), and native detection on real trees."""

import json
import time

import pytest

from fleetctl.build.errors import BuildFailed, BuildInputError
from fleetctl.build.tree import native_packages, resolve

from .npm_apps import native_app, portable_app, write_json


def test_a_portable_tree_is_installed_in_a_copy_and_is_portable(tmp_path):
    app = portable_app(tmp_path / "app")
    started = time.monotonic()
    tree = resolve(app, tmp_path / "work")
    print(f"npm ci (is-number): {time.monotonic() - started:.2f}s")
    assert tree == tmp_path / "work" / "app"
    assert json.loads((tree / "node_modules" / "is-number" / "package.json").read_text())["version"] == "7.0.0"
    assert (tree / "server.js").is_file()
    assert not (app / "node_modules").exists()  # never in the user's folder
    assert native_packages(tree) == []


def test_a_lockfile_out_of_sync_names_it_with_npms_reason(tmp_path):
    app = portable_app(tmp_path / "app")
    write_json(app / "package.json", {"name": "portable-app", "version": "1.0.0",
                                      "dependencies": {"is-number": "7.0.0", "is-odd": "3.0.1"}})
    with pytest.raises(BuildInputError) as raised:
        resolve(app, tmp_path / "work")
    assert str(raised.value) == (
        f"{app / 'package-lock.json'}: out of sync with package.json (Missing: is-odd@3.0.1 from lock file;"
        " Missing: is-number@6.0.0 from lock file): run `npm install` and commit package-lock.json")


def test_dependencies_without_a_lockfile_name_package_json(tmp_path):
    app = portable_app(tmp_path / "app")
    (app / "package-lock.json").unlink()
    with pytest.raises(BuildInputError, match=rf"^{app / 'package.json'}: has dependencies but no package-lock.json"):
        resolve(app, tmp_path / "work")


def test_a_package_the_registry_does_not_have_is_npms_failure_in_one_line(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    name = "fleetctl-test-no-such-package-7c1e"
    write_json(app / "package.json", {"name": "a", "version": "1.0.0", "dependencies": {name: "1.0.0"}})
    write_json(app / "package-lock.json", {
        "name": "a", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "a", "version": "1.0.0", "dependencies": {name: "1.0.0"}},
                     f"node_modules/{name}": {"version": "1.0.0",
                                              "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz"}}})
    with pytest.raises(BuildFailed) as raised:
        resolve(app, tmp_path / "work")
    message = str(raised.value)
    assert message.startswith("control: npm ci failed: 404 Not Found - GET https://registry.npmjs.org/") and "\n" not in message


def test_a_local_addon_is_native_and_its_link_becomes_a_folder_of_its_own(tmp_path):
    tree = resolve(native_app(tmp_path / "app"), tmp_path / "work")
    addon = tree / "node_modules" / "hello-addon"
    assert addon.is_dir() and not addon.is_symlink()  # npm ci linked it: npm rebuild would skip it
    assert (addon / "binding.gyp").is_file()
    assert native_packages(tree) == ["hello-addon"]


# --- native detection, pure over a folder ---------------------------------------------


def package(folder, name, manifest=None, files=()):
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "package.json", {"name": name, **(manifest or {})})
    for file in files:
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_bytes(b"")
    return folder


def test_what_makes_a_package_native(tmp_path):
    modules = tmp_path / "node_modules"
    package(tmp_path, "the-app", {"scripts": {"install": "node-gyp rebuild", "postinstall": "x"}}, ["binding.gyp"])
    package(modules / "plain", "plain", {"scripts": {"test": "jest", "prepare": "tsc"}}, ["index.js"])
    package(modules / "gyp", "gyp", files=["binding.gyp"])
    package(modules / "gypfile", "gypfile", {"gypfile": True})
    package(modules / "pre", "pre", {"scripts": {"preinstall": "node check.js"}})
    package(modules / "post", "post", {"scripts": {"postinstall": "node download.js"}})
    package(modules / "@scope" / "prebuilt", "@scope/prebuilt", files=["prebuilds/linux-x64/addon.node"])
    package(modules / "outer", "outer", files=["index.js"])
    package(modules / "outer" / "node_modules" / "inner", "inner", {"scripts": {"install": "make"}})
    (modules / ".bin").mkdir()
    (modules / ".bin" / "fake.node").write_bytes(b"")
    assert native_packages(tmp_path) == ["@scope/prebuilt", "gyp", "gypfile", "inner", "post", "pre"]


def test_a_nested_native_package_does_not_make_its_parent_native(tmp_path):
    modules = tmp_path / "node_modules"
    package(modules / "outer", "outer")
    package(modules / "outer" / "node_modules" / "bin-dep", "bin-dep", files=["build/Release/x.node"])
    assert native_packages(tmp_path) == ["bin-dep"]


def test_a_tree_without_node_modules_is_portable(tmp_path):
    assert native_packages(tmp_path) == []
