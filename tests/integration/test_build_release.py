"""Issue 12 on the lab: real apps with dependencies, built once per platform on the control side and shipped
complete; no lab app host has npm.

(a) an express app with its lockfile deploys to server, vm, container and pi, one artifact for all;
(b) an app with a native addon built from source (a local file: dependency with a binding.gyp) deploys to the
    x86_64 hosts and the aarch64 pi, each artifact built once by the lab's builder of that platform;
(c) a second deploy with the same inputs builds nothing;
and what goes wrong before any host is changed: a lockfile out of sync, a compile error on the builder, a
platform whose named builder is of another platform.

The lab's builders are added for this module (`fleetctl lab up --hosts builder=1,armbuilder=1`) and removed
at its end when it added them. The artifact cache is this module's own, so the first deploys are cold.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import LAB_INVENTORY, LabInventory, fleetctl
from deploy_helpers import PERSONAS, addresses, deploy, remote, served_versions, wipe_app, write_inventory

APPS = Path(__file__).resolve().parent / "apps"
BUILDERS = ("builder", "armbuilder")
EXPRESS, EXPRESS_PORT = "t-express", 3210
NATIVE, NATIVE_PORT = "t-native", 3211
BROKEN, BROKEN_PORT = "t-broken", 3212
ELF_MACHINE = {"server": "x86-64", "vm": "x86-64", "container": "x86-64", "pi": "ARM aarch64"}


@pytest.fixture(scope="module")
def builders_lab(lab, tmp_path_factory):
    """The lab with its builders, and a fresh artifact cache for this module (FLEETCTL_STATE_DIR)."""
    already = all(persona in lab.data["all"]["children"] for persona in BUILDERS)
    done = fleetctl("lab", "up", "--hosts", "builder=1,armbuilder=1", check=False)
    assert done.returncode == 0, done.stderr
    state = tmp_path_factory.mktemp("fleetctl-state")
    os.environ["FLEETCTL_STATE_DIR"] = str(state)
    yield LabInventory(LAB_INVENTORY)
    del os.environ["FLEETCTL_STATE_DIR"]
    if not already:
        done = fleetctl("lab", "up", "--hosts", "builder=0,armbuilder=0", check=False)
        assert done.returncode == 0, done.stderr


def app_copy(folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copytree(APPS / name, target)
    return target


def inventory_for(lab: LabInventory, folder: Path, app: str, port: int, src: Path, personas=PERSONAS,
                  group_vars: dict | None = None):
    return write_inventory(lab, folder / f"{app}.yaml", app, port, src, personas=(*personas, *BUILDERS),
                           all_vars={"fleet_serial": "100%"}, group_vars=group_vars)


def limit(personas) -> str:
    return ",".join(personas)


def first_deploy(lab: LabInventory, folder: Path, app: str, port: int, source: str):
    """A copy of apps/<source> deployed as `app` to the four app hosts from nothing: (inventory, its run)."""
    inventory = inventory_for(lab, folder, app, port, app_copy(folder, source))
    wipe_app(lab, app)
    return inventory, deploy(inventory, "--limit", limit(PERSONAS), timeout=1500)


@pytest.fixture(scope="module")
def express(builders_lab, tmp_path_factory):
    return first_deploy(builders_lab, tmp_path_factory.mktemp("express"), EXPRESS, EXPRESS_PORT, "express-hello")


@pytest.fixture(scope="module")
def native(builders_lab, tmp_path_factory):
    return first_deploy(builders_lab, tmp_path_factory.mktemp("native"), NATIVE, NATIVE_PORT, "native-hello")


def test_no_app_host_has_npm(builders_lab):
    for persona in PERSONAS:
        code, output = remote(builders_lab, next(iter(builders_lab.hosts(persona).values())), "command -v npm")
        assert code != 0, f"{persona} has npm: {output}"


def test_an_express_app_with_its_lockfile_serves_on_every_persona(express, builders_lab):
    _inventory, first = express
    assert first.returncode == 0, first.stderr + first.stdout
    assert {row["result"] for row in first.hosts().values()} == {"deployed"}
    assert served_versions(builders_lab, EXPRESS_PORT) == {name: "1.0.0" for name in addresses(builders_lab)}
    [built] = first.document["builds"].values()
    assert [item["platform"] for item in built] == ["any"]  # no native addon: one artifact for every platform


def test_the_plan_says_the_express_artifact_is_cached_for_every_host(express):
    inventory, _first = express
    done = fleetctl("plan", str(inventory), "--json", "--limit", limit(PERSONAS), check=False)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {row["artifact"]["platform"] for row in rows} == {"any"}
    assert all(row["artifact"]["cached"] and row["artifact"]["native"] == [] for row in rows)
    assert len({row["deploy"]["release"] for row in rows}) == 1


def test_a_native_addon_is_built_once_per_platform_by_its_builder(native, builders_lab):
    _inventory, first = native
    assert first.returncode == 0, first.stderr + first.stdout
    [built] = first.document["builds"].values()
    by_platform = {item["platform"]: item["builder"] for item in built}
    assert sorted(by_platform) == ["linux-aarch64-glibc-node108", "linux-x86_64-glibc-node108"]
    builder, armbuilder = (next(iter(builders_lab.hosts(persona))) for persona in BUILDERS)
    assert by_platform == {"linux-x86_64-glibc-node108": builder, "linux-aarch64-glibc-node108": armbuilder}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_host_runs_an_addon_built_for_its_own_architecture(native, builders_lab, persona):
    address = next(iter(builders_lab.hosts(persona).values()))
    code, output = remote(builders_lab, address,
                          f"file -L /opt/{NATIVE}/current/node_modules/hello-addon/build/Release/hello.node"
                          " 2>/dev/null || od -An -tx1 -j18 -N2 "
                          f"/opt/{NATIVE}/current/node_modules/hello-addon/build/Release/hello.node")
    assert code == 0, output
    machine = ELF_MACHINE[persona]
    # `file` when the host has it; else the ELF header's e_machine (3e 00: x86-64, b7 00: aarch64)
    assert machine in output or {"x86-64": "3e 00", "ARM aarch64": "b7 00"}[machine] in output, output
    arch = {"x86-64": "x86_64", "ARM aarch64": "aarch64"}[machine]
    assert served_versions(builders_lab, NATIVE_PORT, (persona,)) == {
        next(iter(builders_lab.hosts(persona))): "1.0.0"}
    code, body = remote(builders_lab, address, f"node -e \"require('http').get('http://127.0.0.1:{NATIVE_PORT}/',"
                                               " r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>console.log(b))})\"")
    assert f"addon built for {arch}" in body, body


def test_a_second_deploy_with_the_same_inputs_builds_nothing(native, express):
    for inventory, _first in (native, express):
        again = deploy(inventory, "--limit", limit(PERSONAS), timeout=900)
        assert again.returncode == 0, again.stderr + again.stdout
        assert list(again.document["builds"].values()) == [[]]
        assert {row["result"] for row in again.hosts().values()} == {"unchanged"}


def test_a_lockfile_out_of_sync_is_a_one_line_error_naming_it(builders_lab, tmp_path):
    src = app_copy(tmp_path, "express-hello")
    package = json.loads((src / "package.json").read_text())
    package["dependencies"]["is-number"] = "7.0.0"  # not in the lockfile
    (src / "package.json").write_text(json.dumps(package))
    inventory = inventory_for(builders_lab, tmp_path, "t-sync", 3213, src, personas=("server",))
    done = deploy(inventory, "--limit", "server")
    assert done.returncode == 2, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert str(src / "package-lock.json") in line and "is-number" in line


def test_a_compile_error_on_the_builder_shows_its_lines_and_changes_no_host(builders_lab, tmp_path):
    src = app_copy(tmp_path, "native-hello")
    (src / "addon" / "hello.c").write_text("#include <node_api.h>\nthis is not C;\n")
    subprocess.run(["npm", "install", "--package-lock-only", "--no-audit", "--no-fund"], cwd=src, check=True,
                   capture_output=True)
    inventory = inventory_for(builders_lab, tmp_path, BROKEN, BROKEN_PORT, src, personas=("server",))
    wipe_app(builders_lab, BROKEN, ("server",))
    done = deploy(inventory, "--limit", "server")
    assert done.returncode == 1, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert "error:" in line and next(iter(builders_lab.hosts("builder"))) in line, line
    code, _ = remote(builders_lab, next(iter(builders_lab.hosts("server").values())), f"test -e /opt/{BROKEN}")
    assert code != 0  # the server host was not touched


def test_a_platform_whose_builder_is_of_another_platform_is_refused_before_any_change(builders_lab, tmp_path,
                                                                                     monkeypatch):
    # An artifact cache of its own: this module's native deploy cached native-hello's aarch64 artifact, and a
    # cached artifact needs no builder (nothing would be refused).
    monkeypatch.setenv("FLEETCTL_STATE_DIR", str(tmp_path / "state"))
    src = app_copy(tmp_path, "native-hello")
    x86_builder = next(iter(builders_lab.hosts("builder")))
    inventory = inventory_for(builders_lab, tmp_path, BROKEN, BROKEN_PORT, src, personas=("pi",),
                              group_vars={"pi": {"fleet_build_host": x86_builder}})
    done = deploy(inventory, "--limit", "pi")
    assert done.returncode == 1, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert "fleet_build_host" in line and "not linux-aarch64-glibc-node108" in line, line


def test_plan_fails_a_host_whose_builder_lacks_npm_a_compiler_and_headers(builders_lab, tmp_path, monkeypatch):
    """No fleet_build_host: the first pi of the rollout is the aarch64 builder, and a lab pi has none of it."""
    monkeypatch.setenv("FLEETCTL_STATE_DIR", str(tmp_path / "state"))  # nothing cached: a build is needed
    src = app_copy(tmp_path, "native-hello")
    inventory = inventory_for(builders_lab, tmp_path, BROKEN, BROKEN_PORT, src, personas=("pi",),
                              group_vars={"pi": {"fleet_build_host": None}})
    done = fleetctl("plan", str(inventory), "--json", "--limit", "pi", check=False, timeout=600)
    assert done.returncode == 1, done.stderr
    [row] = json.loads(done.stdout)
    pi = next(iter(builders_lab.hosts("pi")))
    assert row["error"].startswith(f"{pi}: {pi}: cannot build native addons: missing npm"), row["error"]
    assert "make" in row["error"] and "Node's headers" in row["error"]
    assert row["artifact"] == {"platform": "linux-aarch64-glibc-node108", "cached": False, "builder": pi,
                               "native": ["hello-addon"]}
