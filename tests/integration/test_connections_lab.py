"""One SSH connection per host per command (issue 16), counted where connections are accepted: sshd's
"Accepted publickey" lines in each lab host's journal, before and after `fleetctl plan`, a first `deploy`, a
no-op `deploy` (its probe's connection serves the rollout) and `status`."""

import subprocess

import pytest
from deploy_helpers import host_names, make_app, run, wipe_app, write_inventory

APP = "t-conn"
PORT = 3207
PERSONAS = ("server", "vm", "container")


@pytest.fixture(scope="module")
def names(lab):
    return list(host_names(lab, PERSONAS).values())


@pytest.fixture(scope="module")
def inventory(lab, tmp_path_factory):
    src = make_app(tmp_path_factory.mktemp("conn") / "app", "1.0.0")
    path = tmp_path_factory.mktemp("conn-inv") / "inventory.yaml"
    return write_inventory(lab, path, APP, PORT, src, all_vars={"fleet_serial": 1}, personas=PERSONAS)


def accepted_logins(host: str) -> int:
    """sshd's accepted key logins on a lab host so far (the lab's container is named as its host)."""
    done = subprocess.run(["docker", "exec", host, "journalctl", "--unit", "ssh.service", "--output", "cat",
                           "--no-pager"], capture_output=True, text=True, check=True)
    return sum(line.startswith("Accepted publickey for ") for line in done.stdout.splitlines())


def logins_during(names: list[str], *command: str):
    before = {name: accepted_logins(name) for name in names}
    done = run(*command)
    return done, {name: accepted_logins(name) - before[name] for name in names}


@pytest.mark.parametrize("command", [
    ("plan",),
    ("deploy", "--json"),  # a first deploy: probe, upload, switch, health gate, one host at a time
    ("deploy", "--json"),  # nothing to change
    ("status",),
])
def test_each_command_connects_once_to_each_host(lab, inventory, names, command):
    if command == ("plan",):
        wipe_app(lab, APP, PERSONAS)  # the module starts from hosts without the app
    done, logins = logins_during(names, command[0], str(inventory), *command[1:])
    assert done.returncode == 0, done.stderr + done.stdout
    assert logins == {name: 1 for name in names}, f"{' '.join(command)}: {logins}"
