"""Tiny real apps for the build's tests: their package.json and the package-lock.json npm 11 wrote for them."""

import json
from pathlib import Path

# npm install --package-lock-only, for {"is-number": "7.0.0"} (a registry package: 4 files, no scripts).
IS_NUMBER_LOCK = {
    "name": "portable-app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
    "packages": {
        "": {"name": "portable-app", "version": "1.0.0", "dependencies": {"is-number": "7.0.0"}},
        "node_modules/is-number": {
            "version": "7.0.0",
            "resolved": "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz",
            "integrity": "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==",
            "license": "MIT", "engines": {"node": ">=0.12.0"},
        },
    },
}

# A native addon built from source: N-API only (node_api.h from the Node headers), no download of any kind.
ADDON_C = """\
#include <node_api.h>

static napi_value Hello(napi_env env, napi_callback_info info) {
  napi_value result;
  napi_create_string_utf8(env, "hello from C", NAPI_AUTO_LENGTH, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value hello;
  napi_create_function(env, "hello", NAPI_AUTO_LENGTH, Hello, NULL, &hello);
  napi_set_named_property(env, exports, "hello", hello);
  return exports;
}
"""

# npm install --package-lock-only for {"hello-addon": "file:./addon"}: npm records the folder as a link.
ADDON_LOCK = {
    "name": "native-app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
    "packages": {
        "": {"name": "native-app", "version": "1.0.0", "dependencies": {"hello-addon": "file:./addon"}},
        "addon": {"name": "hello-addon", "version": "1.0.0"},
        "node_modules/hello-addon": {"resolved": "addon", "link": True},
    },
}


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def portable_app(folder: Path) -> Path:
    """An app that needs is-number from the registry."""
    folder.mkdir(parents=True)
    write_json(folder / "package.json", {"name": "portable-app", "version": "1.0.0",
                                         "dependencies": {"is-number": "7.0.0"}})
    write_json(folder / "package-lock.json", IS_NUMBER_LOCK)
    (folder / "server.js").write_text("console.log(require('is-number')(5))\n")
    return folder


def native_app(folder: Path, addon_c: str = ADDON_C) -> Path:
    """An app with a local addon (binding.gyp and C, its build implied by binding.gyp: no install script)."""
    (folder / "addon").mkdir(parents=True)
    write_json(folder / "package.json", {"name": "native-app", "version": "1.0.0",
                                         "dependencies": {"hello-addon": "file:./addon"}})
    write_json(folder / "package-lock.json", ADDON_LOCK)
    write_json(folder / "addon" / "package.json", {"name": "hello-addon", "version": "1.0.0", "main": "index.js"})
    (folder / "addon" / "binding.gyp").write_text('{"targets": [{"target_name": "hello", "sources": ["hello.c"]}]}\n')
    (folder / "addon" / "hello.c").write_text(addon_c)
    (folder / "addon" / "index.js").write_text("module.exports = require('./build/Release/hello.node')\n")
    (folder / "server.js").write_text("console.log(require('hello-addon').hello())\n")
    return folder
