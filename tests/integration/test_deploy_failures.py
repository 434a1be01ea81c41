"""Issue 5 on the lab: what goes wrong during a rollout, and the commands that recover.

A release whose health check fails is rolled back on the first host and the rollout halts
(later hosts keep the old release); --abort-rolls-back; --resume; one lock per rollout (a
second rollout refused before it touches any host, a dead owner's lease, unlock); hooks around
each host (and a failing hook stops its host); the rollback command; old releases pruned.
Server, vm and container only: none of this needs the emulated pi.

The tests build on each other's releases, in file order; each first states what it starts from.
The module sets up its own start: the first test's fixture release_1 removes this module's app
from the hosts and deploys 1.0.0 everywhere, whatever ran before, so the module passes when run
alone (`pytest tests/integration/test_deploy_failures.py`) as in the whole suite. A single test
picked out of it (-k) does not: from test_hooks_run_before_and_after_each_host_in_rollout_order
on, each test needs the releases the tests before it left on the hosts.
"""

import json

import pytest
from conftest import REPO
from deploy_helpers import (
    DeployProcess, addresses, current_link, deploy, host_names, make_app, remote, run, served_versions,
    set_version, shell_quote, wipe_app, write_inventory,
)

from fleetctl.rollout.record import record_path

APP = "t-fail"
PORT = 3202
PERSONAS = ("server", "vm", "container")
KEEP = 2


@pytest.fixture(scope="module")
def names(lab):
    return host_names(lab, PERSONAS)


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("fail") / "app", "1.0.0")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fail-inv")


def inventory(lab, folder, src, name, **variables):
    """This module's app on server, vm and container, with extra all-level variables."""
    group_vars = variables.pop("group_vars", None)
    base = {"fleet_keep_releases": KEEP}
    base.update(variables)
    return write_inventory(lab, folder / f"{name}.yaml", APP, PORT, src, all_vars=base, group_vars=group_vars,
                           personas=PERSONAS)


@pytest.fixture(scope="module")
def parallel(lab, folder, src):
    return inventory(lab, folder, src, "parallel", fleet_serial="100%")


@pytest.fixture(scope="module")
def serial(lab, folder, src):
    # one host at a time; a failing release gives up after 3 checks in 20 s
    return inventory(lab, folder, src, "serial", fleet_serial=1, fleet_health_timeout=20, fleet_health_retries=2)


@pytest.fixture(scope="module")
def release_1(lab, parallel, names):
    wipe_app(lab, APP, PERSONAS)
    result = deploy(parallel)
    assert result.returncode == 0, result.stderr
    return result.hosts()[names["server"]]["to"]


def everywhere(lab, version):
    return {name: version for name in addresses(lab, PERSONAS)}


def release_on_hosts(lab) -> dict[str, str]:
    found = {}
    for name, address in addresses(lab, PERSONAS).items():
        target, valid = current_link(lab, address, APP)
        assert valid, f"{name}: current -> {target!r} is not a release"
        found[name] = target.rsplit("/", 1)[-1]
    return found


def test_a_release_failing_its_health_check_is_rolled_back_and_halts_the_rollout(lab, serial, src, names, release_1):
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "1.0.0")
    set_version(src, "2.0.0", fail_on="*")
    result = deploy(serial)
    assert result.returncode == 1, result.stderr
    document = result.document
    assert document["ok"] is False
    assert document["stopped"].startswith("1 of 1 hosts in batch 1 failed")
    assert document["not_started"] == [names["vm"], names["container"]]
    [row] = document["hosts"]
    assert (row["host"], row["result"], row["from"]) == (names["server"], "rolled back", release_1)
    assert row["to"] != release_1
    assert "health gate failed" in row["detail"] and "HTTP 500" in row["detail"]
    assert f"rolled back to {release_1}, healthy" in row["detail"]
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "1.0.0")
    assert set(release_on_hosts(lab).values()) == {release_1}
    # vm and container were never touched: the bad release is not even on them
    for persona in ("vm", "container"):
        code, listing = remote(lab, next(iter(lab.hosts(persona).values())), f"ls /opt/{APP}/releases")
        assert listing.split() == [release_1], persona


def test_abort_rolls_back_returns_the_upgraded_hosts(lab, serial, src, names, release_1):
    set_version(src, "2.1.0", fail_on="container")  # healthy on server and vm, not on container
    result = deploy(serial, "--abort-rolls-back")
    assert result.returncode == 1
    document = result.document
    rows = result.hosts()
    assert [row["host"] for row in document["hosts"]] == [names["server"], names["vm"], names["container"]]
    assert rows[names["server"]]["result"] == rows[names["vm"]]["result"] == "deployed"
    assert rows[names["container"]]["result"] == "rolled back"
    assert document["not_started"] == []
    aborted = {row["host"]: row for row in document["abort_rollbacks"]}
    assert set(aborted) == {names["server"], names["vm"]}
    for row in aborted.values():
        assert (row["result"], row["to"]) == ("deployed", release_1), row
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "1.0.0")
    assert set(release_on_hosts(lab).values()) == {release_1}


def test_resume_continues_an_interrupted_rollout_where_it_stopped(lab, serial, src, names, release_1):
    set_version(src, "2.2.0")
    first = DeployProcess("deploy", str(serial), "--json")
    first.wait_for(f"{names['vm']}: reading the host's state")  # server done, its batch on record
    first.kill()
    assert served_versions(lab, PORT, PERSONAS) == {names["server"]: "2.2.0", names["vm"]: "1.0.0",
                                                    names["container"]: "1.0.0"}
    resumed = deploy(serial, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    rows = resumed.hosts()
    assert set(rows) == {names["vm"], names["container"]}  # server is not deployed again
    assert all(row["result"] == "deployed" for row in rows.values())
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "2.2.0")
    again = run("deploy", str(serial), "--resume")
    assert again.returncode == 2 and "no interrupted rollout to resume" in again.stderr


def lock_owner(lab, address) -> dict | None:
    code, output = remote(lab, address, f"cat /opt/{APP}/.deploy.lock/owner")
    return json.loads(output) if code == 0 else None


def test_two_rollouts_of_one_inventory_at_once_the_second_is_refused_before_touching_any_host(
        lab, folder, src, names, tmp_path):
    log = tmp_path / "before_host.log"
    slow = inventory(lab, folder, src, "slow", fleet_serial=1, fleet_hooks={
        "before_host": [{"command": f'echo $FLEET_HOST >> {log}; [ "$FLEET_HOST" != {names["server"]} ] || sleep 12',
                         "delegate_to": "localhost"}]})
    set_version(src, "2.3.0")
    first = DeployProcess("deploy", str(slow), "--json")
    first.wait_for(f"{names['server']}: hook before_host")
    # Every host is the first rollout's before it changes any: the vm and the container wait their turn locked.
    for address in addresses(lab, PERSONAS).values():
        owner = lock_owner(lab, address)
        assert owner is not None and owner["pid"] == first.process.pid, (address, owner)
        assert {"user", "control_host", "since", "lease_s"} <= set(owner)
    record_file = record_path(slow, REPO / ".fleetctl" / "rollouts")
    record = record_file.read_text()
    second = deploy(slow)
    assert second.returncode == 1
    document = second.document
    assert document["stopped"] == "refused: 3 of 3 hosts are locked by another rollout; no host was changed"
    assert {row["result"] for row in document["hosts"]} == {"failed"}
    for row in document["hosts"]:
        assert "deploy refused" in row["detail"] and f"(pid {first.process.pid}, started " in row["detail"], row
    assert log.read_text().split() == [names["server"]]  # the second ran no hook
    assert record_file.read_text() == record  # nor touched the record
    assert first.wait(timeout=300) == 0, "\n".join(first.lines)
    assert log.read_text().split() == [names[persona] for persona in PERSONAS]
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "2.3.0")
    assert all(lock_owner(lab, address) is None for address in addresses(lab, PERSONAS).values())


def test_a_dead_owner_elsewhere_is_recognised_when_its_lease_runs_out_and_unlock_removes_a_lock(
        lab, parallel, names):
    server = addresses(lab, PERSONAS)[names["server"]]
    elsewhere = json.dumps({"user": "ops", "control_host": "another-machine", "pid": 1, "since": 1.0, "lease_s": 20})
    take = (f"mkdir -p /opt/{APP}/.deploy.lock && printf '%s\\n' {shell_quote(elsewhere)} "
            f"> /opt/{APP}/.deploy.lock/owner")
    remote(lab, server, take)
    refused = deploy(parallel, "--limit", names["server"])
    assert refused.returncode == 1 and "ops@another-machine (pid 1, started " in refused.stderr + refused.stdout
    assert "lease ends in" in refused.hosts()[names["server"]]["detail"]
    remote(lab, server, f"touch -d @$(( $(date +%s) - 25 )) /opt/{APP}/.deploy.lock/owner")  # 25 s without renewal
    taken = deploy(parallel, "--limit", names["server"])
    assert taken.returncode == 0, taken.stderr
    assert lock_owner(lab, server) is None
    remote(lab, server, take)  # a live one: unlock refuses it, unlock --force removes it
    kept = run("unlock", str(parallel), "--limit", names["server"])
    assert kept.returncode == 1 and "locked by a live rollout" in kept.stdout and lock_owner(lab, server)
    removed = run("unlock", str(parallel), "--limit", names["server"], "--force")
    assert removed.returncode == 0 and "removed the lock" in removed.stdout, removed.stdout
    assert lock_owner(lab, server) is None


def test_hooks_run_before_and_after_each_host_in_rollout_order(lab, folder, src, names, tmp_path):
    log = tmp_path / "hooks.log"
    line = 'echo "$0 $FLEET_HOST $FLEET_RELEASE $FLEET_PREVIOUS_RELEASE $FLEET_APP_PORT" >> ' + str(log)
    hooked = inventory(lab, folder, src, "hooked", fleet_serial=1, fleet_hooks={
        "before_host": [{"command": ["sh", "-c", line, "before"], "delegate_to": "localhost"}],
        "after_switch": [f"test -L /opt/{APP}/current"],  # on the host being deployed
        "after_host": [{"command": ["sh", "-c", line, "after"], "delegate_to": "localhost"}],
    })
    previous = release_on_hosts(lab)
    set_version(src, "2.4.0")
    result = deploy(hooked)
    assert result.returncode == 0, result.stderr
    release = result.hosts()[names["server"]]["to"]
    expected = []
    for persona in PERSONAS:
        host = names[persona]
        expected += [f"before {host} {release} {previous[host]} {PORT}", f"after {host} {release} {previous[host]} {PORT}"]
    assert log.read_text().splitlines() == expected


def test_a_failing_hook_stops_its_host_and_the_rollout(lab, folder, src, names):
    before = release_on_hosts(lab)
    failing = inventory(lab, folder, src, "failing-hook", fleet_serial=1, group_vars={
        "vm": {"fleet_hooks": {"before_host": ["echo the load balancer says no >&2; exit 7"]}}})
    set_version(src, "2.5.0")
    result = deploy(failing)
    assert result.returncode == 1
    rows = result.hosts()
    assert rows[names["server"]]["result"] == "deployed"
    vm = rows[names["vm"]]
    assert vm["result"] == "failed"
    assert "hook before_host" in vm["detail"] and "the load balancer says no" in vm["detail"]
    assert result.document["not_started"] == [names["container"]]
    versions = served_versions(lab, PORT, PERSONAS)
    assert versions == {names["server"]: "2.5.0", names["vm"]: "2.4.0", names["container"]: "2.4.0"}
    after = release_on_hosts(lab)
    assert after[names["vm"]] == before[names["vm"]] and after[names["container"]] == before[names["container"]]
    code, listing = remote(lab, next(iter(lab.hosts("vm").values())), f"ls /opt/{APP}/releases")
    assert vm["to"] not in listing.split()  # nothing of the new release reached the vm


def test_rollback_returns_each_host_to_its_previous_release_and_to_a_named_one(lab, parallel, src, names):
    converged = deploy(parallel)  # 2.5.0 everywhere
    assert converged.returncode == 0, converged.stderr
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "2.5.0")
    newest = converged.hosts()[names["server"]]["to"]
    back = run("rollback", str(parallel), "--json")
    assert back.returncode == 0, back.stderr
    rows = back.hosts()
    assert all((row["result"], row["from"]) == ("deployed", newest) for row in rows.values()), rows
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "2.4.0")
    older = rows[names["server"]]["to"]
    for address in addresses(lab, PERSONAS).values():
        code, links = remote(lab, address, f"readlink /opt/{APP}/current /opt/{APP}/previous")
        assert links.split() == [f"releases/{older}", f"releases/{newest}"]
    forward = run("rollback", str(parallel), "--to", newest, "--json")
    assert forward.returncode == 0, forward.stderr
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "2.5.0")
    missing = run("rollback", str(parallel), "--to", "no-such-release", "--limit", names["server"], "--json")
    assert missing.returncode == 1
    assert "is not on the host" in missing.hosts()[names["server"]]["detail"]
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "2.5.0")


def test_old_releases_are_pruned_to_fleet_keep_releases(lab, parallel, src):
    for address in addresses(lab, PERSONAS).values():
        code, output = remote(lab, address, f"ls -A /opt/{APP}/releases; readlink /opt/{APP}/current /opt/{APP}/previous")
        lines = output.split()
        links = {line.rsplit("/", 1)[-1] for line in lines if line.startswith("releases/")}
        listing = [line for line in lines if not line.startswith("releases/")]
        assert len(listing) == KEEP and set(listing) == links, (address, output)
