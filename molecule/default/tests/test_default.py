"""What `fleetctl deploy` left on each Molecule instance, checked with testinfra.

Run by verify.yml as `pytest --hosts=docker://NAME,... tests/test_default.py` with
FLEETCTL_MOLECULE_INVENTORY naming the fleetctl inventory prepare.yml wrote. Each
test runs once per instance. What should run where is asked of `fleetctl plan`
(over SSH, as a user would) and compared with what systemd, the process table,
the runtime's state file and the app's health endpoint say.
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

INVENTORY = Path(os.environ["FLEETCTL_MOLECULE_INVENTORY"])


def inventory_hosts() -> dict[str, dict]:
    """host -> its variables in the inventory prepare.yml wrote (all.vars, then its own),
    with "groups": the groups that list it."""
    data = yaml.safe_load(INVENTORY.read_text())["all"]
    hosts: dict[str, dict] = {}
    groups = {"all": data, **(data.get("children") or {})}
    for group_name, group in groups.items():
        for name, host_vars in (group.get("hosts") or {}).items():
            host = hosts.setdefault(name, {**data.get("vars", {}), "groups": []})
            host.update(host_vars or {})
            host["groups"].append(group_name)
    return hosts


@pytest.fixture(scope="module")
def plan() -> dict[str, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "fleetctl", "plan", str(INVENTORY), "--json"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, f"fleetctl plan failed:\n{done.stdout}\n{done.stderr}"
    return {row["host"]: row for row in json.loads(done.stdout)}


@pytest.fixture()
def name(host) -> str:
    """The instance's name: its Molecule name, its container's, its fleetctl inventory host's."""
    return host.backend.name


@pytest.fixture()
def decision(plan, name) -> dict:
    row = plan[name]
    assert row["error"] is None, f"{name}: {row['error']}"
    return row


@pytest.fixture()
def app(name) -> dict:
    variables = inventory_hosts()[name]
    app_name = variables["fleet_app_name"]
    return {
        "name": app_name,
        "unit": f"fleet-{app_name}.service",
        "user": variables.get("fleet_app_user", app_name),
        "port": int(variables.get("fleet_app_port", 3000)),
        "health_path": variables.get("fleet_app_health_path", "/healthz"),
        "address": variables["ansible_host"],
    }


def show(host, unit: str, *properties: str) -> dict[str, str]:
    out = host.check_output("systemctl show --property=%s %s", ",".join(properties), unit)
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def processes(host) -> dict[int, dict]:
    """pid -> {ppid, uid, user, comm} of every process on the instance."""
    table = {}
    for line in host.check_output("ps -e -o pid=,ppid=,uid=,user:32=,comm=").splitlines():
        pid, ppid, uid, user, comm = line.split(None, 4)
        table[int(pid)] = {"ppid": int(ppid), "uid": int(uid), "user": user, "comm": comm}
    return table


def service_tree(host, unit: str) -> tuple[int, dict[int, dict]]:
    """The unit's MainPID and every process descended from it (itself included)."""
    main_pid = int(show(host, unit, "MainPID")["MainPID"])
    assert main_pid > 0, f"{unit} has no main process"
    table = processes(host)
    tree = {main_pid: table[main_pid]}
    grew = True
    while grew:
        children = {pid: p for pid, p in table.items() if p["ppid"] in tree and pid not in tree}
        tree.update(children)
        grew = bool(children)
    return main_pid, tree


def health(app: dict) -> tuple[int, dict]:
    """GET the health endpoint from the control machine, on a new connection, no proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    url = f"http://{app['address']}:{app['port']}{app['health_path']}"
    with opener.open(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_plan_sees_the_persona(name, decision):
    """An instance of the server group is labelled a server; one of the container
    group is detected as a container, with the cgroup limits its platform sets."""
    groups = inventory_hosts()[name]["groups"]
    if "server" in groups:
        assert decision["kind"] == "server"
    if "container" in groups:
        assert decision["kind"] == "container"
        assert decision["facts"]["cpus_effective"] == pytest.approx(1.5)
        assert decision["facts"]["memory_effective_mb"] == pytest.approx(512, abs=1)
        assert decision["mode"] == "single"


def test_service_active_as_unprivileged_user(host, app):
    assert host.service(app["unit"]).is_running
    assert host.service(app["unit"]).is_enabled
    props = show(host, app["unit"], "User", "Group")
    assert props["User"] == app["user"] and props["User"] != "root"
    user = host.user(app["user"])
    assert user.exists and user.uid != 0 and user.shell in ("/usr/sbin/nologin", "/bin/false")
    _, tree = service_tree(host, app["unit"])
    assert {(p["uid"], p["user"]) for p in tree.values()} == {(user.uid, app["user"])}


def test_mode_and_workers_match_plan(host, app, decision):
    environment = show(host, app["unit"], "Environment")["Environment"].split()
    main_pid, tree = service_tree(host, app["unit"])
    state_file = host.file(f"/run/{app['name']}/state.json")
    if decision["mode"] == "cluster":
        assert decision["workers"] >= 2
        assert f"FLEET_WORKERS={decision['workers']}" in environment
        assert f"NODE_CLUSTER_SCHED_POLICY={decision['scheduling']}" in environment
        state = json.loads(state_file.content_string)
        assert state["pid"] == main_pid and state["status"] == "running"
        assert state["workersWanted"] == decision["workers"]
        assert state["schedulingPolicy"] == decision["scheduling"]
        serving = {w["pid"] for w in state["workers"] if w["state"] == "ready" and w["role"] == "serving"}
        assert len(serving) == decision["workers"]
        # The workers the state file names are the primary's children, and there are no others.
        assert serving == {pid for pid, p in tree.items() if p["ppid"] == main_pid}
    else:
        assert decision["mode"] == "single" and decision["workers"] == 1
        assert not any(v.startswith("FLEET_WORKERS=") for v in environment)
        assert not state_file.exists
        assert set(tree) == {main_pid}, f"a single-mode app has one process, found {tree}"
        assert tree[main_pid]["comm"] == "node"


def test_health_endpoint_answers_from_every_process(host, app, decision):
    """GET /healthz from the control machine answers 200, from every worker in turn (rr)."""
    main_pid, tree = service_tree(host, app["unit"])
    expected = {pid for pid, p in tree.items() if p["ppid"] == main_pid} if decision["mode"] == "cluster" else {main_pid}
    answered = set()
    for _ in range(4 * decision["workers"]):
        status, body = health(app)
        assert status == 200 and body["status"] == "ok"
        answered.add(body["pid"])
    # The app reports its pid as seen in the instance's pid namespace. Round-robin
    # scheduling hands new connections to each worker in turn; with "none" the kernel chooses.
    if decision["mode"] == "single" or decision["scheduling"] == "rr":
        assert answered == expected
    else:
        assert answered and answered <= expected


def test_unit_carries_its_hardening(host, app, decision):
    unit_file = host.file(f"/etc/systemd/system/{app['unit']}")
    assert unit_file.user == "root" and unit_file.mode == 0o644
    # The unit on the host is the one `fleetctl plan` renders for it now.
    assert unit_file.content_string == decision["unit"]
    assert "MemoryDenyWriteExecute" not in unit_file.content_string
    props = show(host, app["unit"], "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp",
                 "PrivateDevices", "MemoryDenyWriteExecute", "MemoryMax", "LimitNOFILE", "ReadWritePaths")
    assert props["NoNewPrivileges"] == "yes"
    assert props["ProtectSystem"] == "strict"
    assert props["ProtectHome"] == "yes"
    assert props["PrivateTmp"] == "yes"
    assert props["PrivateDevices"] == "yes"
    # V8's JIT needs writable, executable memory.
    assert props["MemoryDenyWriteExecute"] == "no"
    assert int(props["MemoryMax"]) == decision["memory_max_mb"] * 1024 * 1024
    assert props["LimitNOFILE"] == "65536"
    assert props["ReadWritePaths"].split() == [f"/opt/{app['name']}/shared"]


def test_plan_has_nothing_left_to_do(decision):
    """After converge (twice: Molecule's idempotence step), plan finds every step done."""
    assert decision["deploy"]["release_action"] == "none"
    assert decision["deploy"]["activation"] == "none"
    assert not decision["deploy"]["unit_diff"]
