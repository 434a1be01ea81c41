"""Issue 5, end to end on the lab (real SSH, systemd and node): the first deploy to every persona,
a second release rolled out under constant HTTP load on every host, an idempotent redeploy, and
what the deploy leaves on the hosts (env file, user, unit hardening, `current`, status figures),
with the app's secret never in fleetctl's output."""

import json
import secrets
import time

import pytest
from deploy_helpers import (
    CLUSTERED, PERSONAS, SINGLE, CurrentWatch, LoadGenerator, addresses, current_link, deploy, host_names, make_app, run,
    remote, served_versions, set_version, wipe_app, write_inventory,
)

APP = "t-rollout"
PORT = 3201
SECRET = f"fleet-secret-{secrets.token_hex(8)}"
OUTPUTS: list[str] = []  # every fleetctl output of this module, searched for the secret


def record(result):
    OUTPUTS.extend((result.stdout, result.stderr))
    return result


@pytest.fixture(scope="module")
def app_src(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("rollout") / "app", "1.0.0")


@pytest.fixture(scope="module")
def inventory(lab, app_src, tmp_path_factory):
    # One batch of every host: the personas roll in parallel (the pi alone takes most of a minute).
    return write_inventory(lab, tmp_path_factory.mktemp("rollout-inv") / "inventory.yaml", APP, PORT, app_src,
                           all_vars={"fleet_serial": "100%", "fleet_app_env": {"API_TOKEN": SECRET, "GREETING": "hi"}})


@pytest.fixture(scope="module")
def names(lab):
    return host_names(lab)


@pytest.fixture(scope="module")
def first_deploy(lab, inventory):
    wipe_app(lab, APP)
    result = record(deploy(inventory))
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def load_rollout(lab, inventory, app_src, first_deploy):
    """Release 1.0.1 rolled out while every host is under constant HTTP load."""
    set_version(app_src, "1.0.1")
    with CurrentWatch(lab, APP) as watch:
        result, load, before = deploy_under_load(lab, inventory)
    return result, load, before, watch


def deploy_under_load(lab, inventory):
    """A deploy while every host gets constant HTTP load straight to its port (no load balancer):
    (the deploy, the load's figures, each host's successful requests before the deploy started)."""
    targets = {name: (address, PORT) for name, address in addresses(lab).items()}
    # Lighter on the emulated pi: its sshd must still answer fleetctl within 10 s. A request waits in
    # the socket's backlog while its host restarts: up to a minute or more on the emulated pi, where
    # node can take that long to start (qemu, 2 cores shared with the whole lab).
    pi = next(iter(lab.hosts("pi")))
    with LoadGenerator(targets, pause=0.02, pauses={pi: 0.05}, max_requests=20000, max_seconds=300,
                       timeout=180) as load:
        time.sleep(2)  # load established on the old release first
        before = {host: stats.ok for host, stats in load.stats.items()}
        result = record(deploy(inventory))
        time.sleep(1)
    return result, load, before


def show_load(what, result, load, capsys, record_property):
    with capsys.disabled():  # the figures are part of the proof: shown even when the test passes
        print(f"\n{what} under load ({result.seconds:.1f} s), requests per host:\n{load.report()}")
    for host, stats in load.stats.items():
        record_property(f"{what}: {host} failed requests", stats.failed)
        record_property(f"{what}: {host} ok requests", stats.ok)
        record_property(f"{what}: {host} slowest ok request (s)", round(stats.slowest_ok, 3))


def test_first_deploy_reaches_every_persona_with_its_mode(first_deploy, names, lab):
    document = first_deploy.document
    assert set(document) == {"ok", "outcome", "stopped", "hosts", "not_started", "abort_rollbacks",
                             "rollout_hooks_failed", "builds"}
    assert document["ok"] is True and document["stopped"] is None and document["not_started"] == []
    rows = first_deploy.hosts()
    assert set(rows) == set(names.values())
    for row in rows.values():
        assert set(row) == {"host", "result", "from", "to", "mode", "workers", "seconds", "activation", "detail"}
        assert (row["result"], row["from"], row["activation"]) == ("deployed", None, "restart")
        assert isinstance(row["seconds"], float | int) and row["seconds"] > 0
    for persona in CLUSTERED:
        assert (rows[names[persona]]["mode"], rows[names[persona]]["workers"]) == ("cluster", 2)
    for persona in SINGLE:
        assert (rows[names[persona]]["mode"], rows[names[persona]]["workers"]) == ("single", 1)
    assert len({row["to"] for row in rows.values()}) == 1
    assert served_versions(lab, PORT) == {name: "1.0.0" for name in names.values()}


def test_second_release_under_load_drops_nothing_on_any_host(load_rollout, names, lab, capsys, record_property):
    result, load, before, watch = load_rollout
    show_load("rollout of 1.0.1", result, load, capsys, record_property)
    assert result.returncode == 0, result.stderr
    rows = result.hosts()
    for persona in CLUSTERED:
        assert rows[names[persona]]["activation"] == "reload"
    for persona in SINGLE:
        assert rows[names[persona]]["activation"] == "restart"
    for persona in PERSONAS:
        stats = load.stats[names[persona]]
        assert before[names[persona]] > 0, f"{persona}: no request succeeded before the rollout"
        assert stats.ok > 50, f"{persona}: too little load to prove anything: {stats}"
        assert set(stats.versions) == {"1.0.0", "1.0.1"} and stats.last_version == "1.0.1", stats
        # Clustered hosts reload worker by worker; single-mode hosts restart while the socket holds the port.
        assert stats.failed == 0, f"{persona} dropped requests:\n{load.report()}"
    assert served_versions(lab, PORT) == {name: "1.0.1" for name in names.values()}


def test_redeploying_the_same_release_changes_nothing(load_rollout, inventory, names):
    result = record(deploy(inventory))
    assert result.returncode == 0, result.stderr
    rows = result.hosts()
    assert set(rows) == set(names.values())
    release = load_rollout[0].hosts()[names["server"]]["to"]
    for row in rows.values():
        assert (row["result"], row["from"], row["to"], row["activation"]) == ("unchanged", release, release, "none")


def test_env_file_is_root_only_and_holds_the_secret(load_rollout, lab, names):
    for address in addresses(lab).values():
        host = lab.testinfra_host(address)
        env = host.file(f"/etc/fleet/{APP}.env")
        assert (env.mode, env.user, env.group) == (0o600, "root", "root")
        code, content = remote(lab, address, f"cat /etc/fleet/{APP}.env")
        assert f'API_TOKEN="{SECRET}"' in content  # the secret really is deployed (so not finding it below counts)
        assert host.run(f"cat /etc/fleet/{APP}.env").rc != 0  # and an unprivileged user cannot read it


def test_app_runs_as_its_unprivileged_user_under_a_hardened_unit(load_rollout, lab, names):
    for persona, address in ((persona, next(iter(lab.hosts(persona).values()))) for persona in PERSONAS):
        host = lab.testinfra_host(address)
        user = host.user(APP)
        assert user.uid != 0 and user.shell == "/usr/sbin/nologin", persona
        service = host.service(f"fleet-{APP}")
        assert service.is_running and service.is_enabled, persona
        socket = host.service(f"fleet-{APP}.socket")  # holds the port across restarts
        assert socket.is_running and socket.is_enabled, persona
        main_pid = host.check_output(f"systemctl show -p MainPID --value fleet-{APP}")
        # the primary and, when clustered, its workers: all the app's user
        owners = host.check_output(f"ps -o user= --pid {main_pid} --ppid {main_pid}").split()
        assert owners and set(owners) == {APP}, (persona, owners)
        assert len(owners) == (3 if persona in CLUSTERED else 1), (persona, owners)
        shown = dict(line.split("=", 1) for line in host.check_output(
            f"systemctl show fleet-{APP} -p User -p NoNewPrivileges -p ProtectSystem -p ProtectHome -p PrivateTmp "
            f"-p PrivateDevices -p ProtectKernelTunables -p ProtectControlGroups -p RestrictSUIDSGID "
            f"-p ReadWritePaths -p MemoryMax").splitlines())
        assert shown["User"] == APP
        assert shown["ProtectSystem"] == "strict" and shown["ProtectHome"] == "yes"
        for flag in ("NoNewPrivileges", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
                     "ProtectControlGroups", "RestrictSUIDSGID"):
            assert shown[flag] == "yes", (persona, flag)
        assert f"/opt/{APP}/shared" in shown["ReadWritePaths"]
        assert shown["MemoryMax"].isdigit()
        # the app cannot write its own release
        assert host.run(f"sudo -n -u {APP} touch /opt/{APP}/current/x").rc != 0


def test_current_is_a_valid_symlink_to_the_new_release_and_was_throughout(load_rollout, lab, names):
    watch = load_rollout[3]
    assert set(watch.results) == set(names.values())
    for host, (checks, broken) in watch.results.items():
        assert checks > 20 and broken == 0, (host, checks, broken)
    release = load_rollout[0].hosts()[names["server"]]["to"]
    for address in addresses(lab).values():
        target, valid = current_link(lab, address, APP)
        assert target == f"releases/{release}" and valid


def test_status_reports_release_mode_and_workers_alive_of_expected(load_rollout, inventory, names):
    release = load_rollout[0].hosts()[names["server"]]["to"]
    status = record(run("status", str(inventory), "--json"))
    assert status.returncode == 0, status.stderr
    rows = {row["host"]: row for row in json.loads(status.stdout)}
    for persona in PERSONAS:
        row = rows[names[persona]]
        assert set(row) == {"host", "service", "release", "mode", "workers_alive", "workers_expected", "restarts",
                            "uptime_s", "error", "socket"}
        assert (row["service"], row["release"], row["error"]) == ("active (running)", release, None)
        assert row["socket"] == f"listening on [::]:{PORT}"
        expected = 2 if persona in CLUSTERED else 1
        assert (row["mode"], row["workers_alive"], row["workers_expected"]) == (
            "cluster" if persona in CLUSTERED else "single", expected, expected)
        assert row["uptime_s"] > 0 and row["restarts"] == 0
    table = record(run("status", str(inventory)))
    assert table.returncode == 0
    for persona in PERSONAS:
        line = next(line for line in table.stdout.splitlines() if names[persona] in line)
        assert release in line and ("2/2" if persona in CLUSTERED else "1/1") in line
        assert f"listening on [::]:{PORT}" in line


def test_the_secret_never_appears_in_any_output(load_rollout, inventory):
    record(run("deploy", str(inventory), "--limit", "server,container"))  # the plain table
    record(run("plan", str(inventory), "--limit", "server,container"))
    record(run("plan", str(inventory), "--limit", "server,container", "--json"))
    assert len(OUTPUTS) >= 14
    leaks = [output for output in OUTPUTS if SECRET in output]
    assert not leaks, f"the secret leaked into fleetctl output:\n{leaks[0][:2000]}"


# Changes that restart every host (the unit or the environment file changes), under load: the socket holds
# each host's port while its process is replaced, clustered or not. These run last: they change the hosts.

@pytest.fixture(scope="module")
def env_change_rollout(lab, inventory, app_src, load_rollout):
    write_inventory(lab, inventory, APP, PORT, app_src, all_vars={
        "fleet_serial": "100%", "fleet_app_env": {"API_TOKEN": SECRET, "GREETING": "hello"}})
    return deploy_under_load(lab, inventory)


@pytest.fixture(scope="module")
def workers_change_rollout(lab, inventory, app_src, env_change_rollout):
    # Clustered hosts from 2 workers to 3; the single-mode hosts become clusters of 2.
    write_inventory(lab, inventory, APP, PORT, app_src, all_vars={
        "fleet_serial": "100%", "fleet_app_env": {"API_TOKEN": SECRET, "GREETING": "hello"}},
        group_vars={"server": {"fleet_workers": 3}, "vm": {"fleet_workers": 3},
                    "container": {"fleet_workers": 2}, "pi": {"fleet_workers": 2}})
    return deploy_under_load(lab, inventory)


def test_a_changed_environment_restarts_every_host_under_load_dropping_nothing(env_change_rollout, names, capsys,
                                                                               record_property):
    result, load, before = env_change_rollout
    show_load("fleet_app_env changed", result, load, capsys, record_property)
    assert result.returncode == 0, result.stderr
    rows = result.hosts()
    for persona in PERSONAS:
        assert rows[names[persona]]["activation"] == "restart", rows[names[persona]]
        stats = load.stats[names[persona]]
        assert before[names[persona]] > 0 and stats.ok > 50, f"{persona}: too little load: {stats}"
        assert stats.failed == 0, f"{persona} dropped requests:\n{load.report()}"


def test_a_changed_worker_count_restarts_every_host_under_load_dropping_nothing(workers_change_rollout, names,
                                                                                inventory, capsys, record_property):
    result, load, before = workers_change_rollout
    show_load("worker count changed", result, load, capsys, record_property)
    assert result.returncode == 0, result.stderr
    rows = result.hosts()
    for persona, workers in (("server", 3), ("vm", 3), ("container", 2), ("pi", 2)):
        row = rows[names[persona]]
        assert (row["activation"], row["mode"], row["workers"]) == ("restart", "cluster", workers), row
        stats = load.stats[names[persona]]
        assert before[names[persona]] > 0 and stats.ok > 50, f"{persona}: too little load: {stats}"
        assert stats.failed == 0, f"{persona} dropped requests:\n{load.report()}"
    status = {row["host"]: row for row in json.loads(run("status", str(inventory), "--json").stdout)}
    for persona, workers in (("server", 3), ("vm", 3), ("container", 2), ("pi", 2)):
        assert (status[names[persona]]["workers_alive"], status[names[persona]]["workers_expected"]) == (
            workers, workers), status[names[persona]]
