"""Issue 5 on the lab: a deploy cut off mid-way (fleetctl killed with SIGKILL, so its SSH sessions
drop mid-step and its lock stays behind; or a host killed) leaves `current` a valid symlink on
every host, and a plain rerun converges: every host healthy on the new release.

Server, vm and container only (the pi's emulation is too slow to be worth interrupting); the
host that is killed is the vm, and the module leaves the lab up (`fleetctl lab up`).
"""

import json
import subprocess

import pytest
from deploy_helpers import (
    DeployProcess, addresses, current_link, deploy, host_names, make_app, remote, run, served_versions,
    set_version, wipe_app, write_inventory,
)
from conftest import fleetctl

APP = "t-cut"
PORT = 3203
PERSONAS = ("server", "vm", "container")


@pytest.fixture(scope="module")
def names(lab):
    return host_names(lab, PERSONAS)


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("cut") / "app", "1.0.0")


@pytest.fixture(scope="module")
def inventory(lab, src, tmp_path_factory):
    path = tmp_path_factory.mktemp("cut-inv") / "inventory.yaml"
    return write_inventory(lab, path, APP, PORT, src, all_vars={"fleet_serial": "100%"}, personas=PERSONAS)


@pytest.fixture(scope="module", autouse=True)
def first_release(lab, inventory):
    wipe_app(lab, APP, PERSONAS)
    result = deploy(inventory)
    assert result.returncode == 0, result.stderr
    yield
    done = fleetctl("lab", "up", check=False)  # whatever happened to the vm, the lab is left up
    assert done.returncode == 0, done.stderr


def everywhere(lab, version):
    return {name: version for name in addresses(lab, PERSONAS)}


def assert_current_valid_everywhere(lab):
    for name, address in addresses(lab, PERSONAS).items():
        target, valid = current_link(lab, address, APP)
        assert target.startswith("releases/") and valid, f"{name}: current -> {target!r}"


def lock_left_on(lab, address) -> bool:
    code, _ = remote(lab, address, f"test -d /opt/{APP}/.deploy.lock")
    return code == 0


def assert_converges(lab, inventory, names, version):
    rerun = deploy(inventory)
    assert rerun.returncode == 0, rerun.stderr + rerun.stdout
    assert all(row["result"] in ("deployed", "unchanged") for row in rerun.hosts().values())
    assert "--force-unlock" not in rerun.stderr
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, version)
    status = run("status", str(inventory), "--json")
    assert status.returncode == 0, status.stdout
    for row in status.document:
        expected = 2 if row["host"] in (names["server"], names["vm"]) else 1
        assert (row["service"], row["workers_alive"], row["workers_expected"]) == (
            "active (running)", expected, expected), row
        assert row["release"] == rerun.hosts()[row["host"]]["to"]
    for address in addresses(lab, PERSONAS).values():
        assert not lock_left_on(lab, address)
    return rerun


@pytest.mark.parametrize("step, version", [("unpack release", "1.1.0"), ("switch current", "1.2.0"),
                                           ("health gate", "1.3.0")])
def test_killed_mid_step_then_a_rerun_converges(lab, inventory, src, names, step, version):
    set_version(src, version)
    deploying = DeployProcess("deploy", str(inventory), "--json")
    line = deploying.wait_for(f": {step}")
    deploying.kill()
    host = line.split(":", 1)[0]
    assert_current_valid_everywhere(lab)
    # the killed deploy's lock is still on that host; its owner's pid is gone, so the rerun breaks it
    assert lock_left_on(lab, addresses(lab, PERSONAS)[host]), f"{host} has no lock left after the kill"
    assert_converges(lab, inventory, names, version)


def test_a_switch_that_was_never_activated_is_redone_not_unchanged(lab, inventory, src, names):
    """The cut that lands between `switch current` and the reload: `current` names the release
    but the service still runs the other one. Made deterministic here by doing the switch by hand."""
    set_version(src, "1.4.0")
    old = deploy(inventory)
    assert old.returncode == 0
    old_release = old.hosts()[names["server"]]["to"]
    set_version(src, "1.5.0")
    new = deploy(inventory)
    assert new.returncode == 0 and served_versions(lab, PORT, PERSONAS) == everywhere(lab, "1.5.0")
    server = addresses(lab, PERSONAS)[names["server"]]
    code, output = remote(lab, server, f"cd /opt/{APP} && ln -sfn releases/{old_release} .current.new && "
                                       "mv -T .current.new current")
    assert code == 0, output
    assert served_versions(lab, PORT, PERSONAS)[names["server"]] == "1.5.0"  # still the old process
    set_version(src, "1.4.0")  # the same content: the same release id
    rerun = deploy(inventory, "--limit", names["server"])
    assert rerun.returncode == 0, rerun.stderr
    row = rerun.hosts()[names["server"]]
    assert (row["to"], row["result"], row["activation"]) == (old_release, "deployed", "reload"), row
    assert served_versions(lab, PORT, PERSONAS)[names["server"]] == "1.4.0"


def test_host_killed_mid_rollout_then_rerun_converges(lab, inventory, src, names):
    """The vm dies (docker kill: no shutdown, power cut) while the rollout is on the server, one
    host at a time. The vm's turn fails fast and halts the rollout; the vm boots again with the
    same disk (docker start, then `fleetctl lab up` waits for it), and a rerun converges.

    Killed in the middle of one of its own steps, the host would hold fleetctl until that step's
    timeout: the SSH transport has no keepalive to notice a peer that vanished (see the report)."""
    one_by_one = write_inventory(lab, inventory.with_name("one-by-one.yaml"), APP, PORT, src,
                                 all_vars={"fleet_serial": 1}, personas=PERSONAS)
    set_version(src, "1.6.0")
    server, vm, container = names["server"], names["vm"], names["container"]
    deploying = DeployProcess("deploy", str(one_by_one), "--json")
    deploying.wait_for(f"{server}: health gate")
    subprocess.run(["docker", "kill", vm], check=True, capture_output=True)  # the lab's container is named as its host
    assert deploying.wait(timeout=300) == 1, "\n".join(deploying.lines)
    assert deploying.stdout, "no JSON on stdout; stderr:\n" + "\n".join(deploying.lines)
    document = json.loads(deploying.stdout)
    rows = {row["host"]: row for row in document["hosts"]}
    assert rows[server]["result"] == "deployed" and rows[vm]["result"] == "failed", rows
    assert document["not_started"] == [container]
    subprocess.run(["docker", "start", vm], check=True, capture_output=True)  # power back on: same disk
    up = fleetctl("lab", "up", check=False)  # waits for systemd and sshd
    assert up.returncode == 0, up.stderr
    assert_current_valid_everywhere(lab)
    rerun = assert_converges(lab, one_by_one, names, "1.6.0")
    assert rerun.hosts()[server]["result"] == "unchanged"
    assert rerun.hosts()[vm]["result"] == rerun.hosts()[container]["result"] == "deployed"
