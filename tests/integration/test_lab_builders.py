"""The lab's builder hosts, over real SSH: added to the running lab on demand (its other hosts untouched),
they have npm, a compiler and Node's headers for the app hosts' own node, `plan` finds each on the platform
(os, arch, libc, Node ABI) of the app hosts that name it in fleet_build_host, and each builds a real N-API
addon from source for its platform, offline (no headers downloaded); the app hosts still have no npm.

One `fleetctl lab up --hosts builder=1,armbuilder=1` serves the module; builders it started are removed at
its end (`--hosts builder=0,armbuilder=0`), so the lab is left as the module found it.
"""

import json
import posixpath
import shlex
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import LAB_INVENTORY, LabInventory, fleetctl
from fleetctl.lab.npm import NPM_VERSION

BUILDERS = {"builder": "x86_64", "armbuilder": "aarch64"}
APP_PERSONAS = ("server", "vm", "container", "pi")
NATIVE_APP = Path(__file__).resolve().parent / "apps" / "native-hello"  # its addon: a local file: package
ELF_MACHINE = {"x86_64": "x86-64", "aarch64": "ARM aarch64"}


def containers(names) -> dict[str, str]:
    """container name -> its id and the time it started (a restart changes it)."""
    out = subprocess.run(["docker", "inspect", "--format", "{{.Name}} {{.Id}} {{.State.StartedAt}}", *names],
                         capture_output=True, text=True, check=True).stdout
    return {line.split(" ", 1)[0].lstrip("/"): line.split(" ", 1)[1] for line in out.splitlines()}


@pytest.fixture(scope="module")
def builders_lab(lab):
    """The lab with its builders, started as a user would; the app hosts' containers before and after."""
    before = LabInventory(LAB_INVENTORY)
    already = [persona for persona in BUILDERS if persona in before.data["all"]["children"]]
    app_hosts = [name for persona in APP_PERSONAS for name in before.hosts(persona)]
    containers_before = containers(app_hosts)
    started = time.monotonic()
    done = fleetctl("lab", "up", "--hosts", "builder=1,armbuilder=1", check=False)
    assert done.returncode == 0, f"fleetctl lab up --hosts builder=1,armbuilder=1 failed:\n{done.stderr}"
    image_builds = [line.strip() for line in done.stderr.splitlines() if " built fleetctl-lab/" in line]
    print(f"\nlab up --hosts builder=1,armbuilder=1: {time.monotonic() - started:.0f} s", *image_builds, sep="\n  ")
    yield LabInventory(LAB_INVENTORY), containers_before, containers(app_hosts)
    if not already:
        done = fleetctl("lab", "up", "--hosts", "builder=0,armbuilder=0", check=False)
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def builders(builders_lab) -> dict[str, object]:
    """persona -> testinfra host of its first builder."""
    inventory = builders_lab[0]
    return {persona: inventory.testinfra_host(next(iter(inventory.hosts(persona).values()))) for persona in BUILDERS}


def test_adding_builders_leaves_the_running_hosts_as_they_were(builders_lab):
    inventory, containers_before, containers_after = builders_lab
    assert containers_after == containers_before  # neither removed, nor remade, nor restarted
    groups = inventory.data["all"]["children"]
    assert {*APP_PERSONAS, "lb", *BUILDERS} <= set(groups)
    for persona in BUILDERS:
        assert groups[persona]["vars"] == {"fleet_app_name": None}


def test_app_groups_name_the_builder_of_their_platform(builders_lab):
    inventory = builders_lab[0]
    groups = inventory.data["all"]["children"]
    builder, armbuilder = (next(iter(inventory.hosts(persona))) for persona in BUILDERS)
    assert {persona: groups[persona]["vars"]["fleet_build_host"] for persona in APP_PERSONAS} == {
        "server": builder, "vm": builder, "container": builder, "pi": armbuilder}


@pytest.mark.parametrize("persona", BUILDERS)
def test_builder_has_npm_a_compiler_python_and_nodes_headers(builders, persona):
    host = builders[persona]
    assert host.check_output("npm --version") == NPM_VERSION
    assert host.run("g++ --version").rc == 0
    assert host.run("make --version").rc == 0
    assert host.run("python3 --version").rc == 0
    assert host.file("/usr/include/node/node_api.h").is_file
    assert host.check_output("uname -m") == BUILDERS[persona]


def test_builders_run_the_app_hosts_node_abi_and_the_app_hosts_have_no_npm(lab, builders):
    app_hosts = {persona: lab.testinfra_host(next(iter(lab.hosts(persona).values()))) for persona in APP_PERSONAS}
    abi = {name: host.check_output("node -p process.versions.modules") for name, host in {**app_hosts, **builders}.items()}
    assert set(abi.values()) == {"108"}, abi
    for persona, host in app_hosts.items():
        assert host.run("command -v npm").rc != 0, f"{persona} has npm"


def test_each_builder_is_on_the_platform_of_the_app_hosts_it_builds_for(builders_lab):
    inventory = builders_lab[0]
    # `facts` (not `plan`, which leaves hosts that only build out of its rows) reads every host's platform.
    done = fleetctl("facts", str(inventory.path), check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    platform = {row["host"]: _platform_key(row["facts"]) for row in json.loads(done.stdout)}
    groups = inventory.data["all"]["children"]
    for persona in APP_PERSONAS:
        for host in inventory.hosts(persona):
            build_host = groups[persona]["vars"]["fleet_build_host"]
            assert platform[build_host] == platform[host] is not None, (host, build_host, platform)
    assert {platform[next(iter(inventory.hosts(persona)))] for persona in BUILDERS} == {
        "linux-x86_64-glibc-node108", "linux-aarch64-glibc-node108"}


def _platform_key(facts: dict) -> str | None:
    if not all(facts.get(key) for key in ("os", "arch", "libc", "node_abi")):
        return None
    return f"{facts['os']}-{facts['arch']}-{facts['libc']}-node{facts['node_abi']}"


@dataclass
class Build:
    npm: object  # testinfra's CommandResult of npm ci
    seconds: float
    node_file: Path  # the built .node, fetched to the control machine
    loaded: object  # node requiring the addon on the builder
    header_caches: str  # what node-gyp would have downloaded headers into, as `ls -a` finds it


def build_native_app(inventory: LabInventory, address: str, local_dir: Path) -> Build:
    """Upload the app, `npm ci` it on the builder (the addon compiled by node-gyp) with an empty HOME."""
    host = inventory.testinfra_host(address)
    work = host.check_output("mktemp -d /tmp/fleetctl-native-test.XXXXXX")
    client = inventory.ssh_client(address)
    try:
        sftp = client.open_sftp()
        sftp.mkdir(f"{work}/app")
        for path in sorted(NATIVE_APP.rglob("*")):
            if {"node_modules", "build"} & set(path.relative_to(NATIVE_APP).parts):
                continue  # left by a local npm run: the builder makes its own
            remote = posixpath.join(work, "app", path.relative_to(NATIVE_APP).as_posix())
            if path.is_dir():
                sftp.mkdir(remote)
            else:
                sftp.put(str(path), remote)
        home, app = f"{work}/home", f"{work}/app"
        host.check_output(f"mkdir {shlex.quote(home)}")
        started = time.monotonic()
        npm = host.run(
            f"cd {shlex.quote(app)} && HOME={shlex.quote(home)} npm_config_nodedir=/usr npm_config_update_notifier=false"
            " npm ci --offline --no-audit --no-fund --foreground-scripts")
        seconds = time.monotonic() - started
        node_file = local_dir / "hello.node"
        if npm.rc == 0:
            # The lockfile links the file: dependency, so node-gyp builds it in the app's addon/ folder.
            sftp.get(f"{app}/addon/build/Release/hello.node", str(node_file))
        loaded = host.run(f"cd {shlex.quote(app)} && node -p 'require(\"hello-addon\").hello()'")
        caches = host.run(f"ls -a {shlex.quote(home)} {shlex.quote(home)}/.cache 2>&1").stdout
        return Build(npm, seconds, node_file, loaded, caches)
    finally:
        host.run(f"rm -rf {shlex.quote(work)}")
        client.close()


@pytest.fixture(scope="module")
def builds(builders_lab, tmp_path_factory) -> dict[str, Build]:
    """persona -> its build of the native app, both builders at once (the emulated one sets the pace)."""
    inventory = builders_lab[0]

    def one(persona: str) -> Build:
        return build_native_app(inventory, next(iter(inventory.hosts(persona).values())),
                              tmp_path_factory.mktemp(persona))

    with ThreadPoolExecutor(max_workers=len(BUILDERS)) as pool:
        found = dict(zip(BUILDERS, pool.map(one, BUILDERS)))
    print("\n" + ", ".join(f"npm ci on {persona}: {build.seconds:.0f} s" for persona, build in found.items()))
    return found


@pytest.mark.parametrize("persona", BUILDERS)
def test_builder_compiles_a_napi_addon_from_source_for_its_own_machine(builds, persona):
    build = builds[persona]
    assert build.npm.rc == 0, build.npm.stdout + build.npm.stderr
    assert "node-gyp rebuild" in build.npm.stdout  # compiled here, from source
    described = subprocess.run(["file", "--brief", str(build.node_file)], capture_output=True, text=True,
                               check=True).stdout
    assert described.startswith("ELF 64-bit LSB shared object") and ELF_MACHINE[BUILDERS[persona]] in described, described


@pytest.mark.parametrize("persona", BUILDERS)
def test_node_on_the_builder_loads_the_addon_it_built(builds, persona):
    build = builds[persona]
    assert build.loaded.rc == 0, build.loaded.stderr
    assert build.loaded.stdout.strip() == BUILDERS[persona]  # the machine the addon was compiled for


@pytest.mark.parametrize("persona", BUILDERS)
def test_no_node_headers_were_downloaded(builds, persona):
    # node-gyp keeps downloaded headers in ~/.cache/node-gyp (older ones in ~/.node-gyp); npm_config_nodedir=/usr
    # points it at the image's own headers instead.
    listing = builds[persona].header_caches
    assert "node-gyp" not in listing, listing
