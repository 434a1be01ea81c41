"""Issue 13 on the lab: the socket unit that holds each app's port, installed, updated and removed like
the service unit, from a host deployed without one (fleet_app_socket: false, as fleetctl deployed
before it had sockets) through a failed upgrade that rolls back to it, an app listening on the wrong
port, and a change of port. Server (clustered) and container (single process): no emulated pi needed.

The tests build on each other, in file order; the first fixture removes this module's app first.
"""

import json

import pytest
from deploy_helpers import (
    addresses, deploy, host_names, http_get, make_app, remote, run, set_version, wipe_app, write_inventory,
)

APP = "t-socket"
PORT = 3217
NEW_PORT = 3218
PERSONAS = ("server", "container")
SOCKET = f"/etc/systemd/system/fleet-{APP}.socket"

# A release that listens one port above PORT: the socket unit holds PORT and nothing takes it.
WRONG_PORT_SERVER_JS = """'use strict';
const http = require('node:http');
http.createServer((request, response) => response.end('hello from wrong-port\\n'))
  .listen(Number(process.env.PORT) + 1);
"""


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("socket") / "app", "1.0.0")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("socket-inv")


def inventory(lab, folder, src, port=PORT, **variables):
    return write_inventory(lab, folder / "inventory.yaml", APP, port, src, personas=PERSONAS, all_vars={
        "fleet_serial": "100%", **variables})


def listening_uids(lab, address: str, port: int) -> set[int]:
    """The owners of the host's listening TCP sockets on `port` (a socket unit's is root's)."""
    code, output = remote(lab, address, "cat /proc/net/tcp /proc/net/tcp6")
    uids = set()
    for line in output.splitlines():
        fields = line.split()
        if len(fields) > 7 and fields[3] == "0A" and fields[1].endswith(f":{port:04X}"):
            uids.add(int(fields[7]))
    return uids


def app_uid(lab, address: str) -> int:
    return int(remote(lab, address, f"id -u {APP}")[1].strip())


@pytest.fixture(scope="module")
def without_socket(lab, folder, src):
    wipe_app(lab, APP, PERSONAS)
    result = deploy(inventory(lab, folder, src, fleet_app_socket=False))
    assert result.returncode == 0, result.stderr
    return result


def test_without_a_socket_the_app_binds_its_port_itself(without_socket, lab):
    for address in addresses(lab, PERSONAS).values():
        assert remote(lab, address, f"test -e {SOCKET} && echo present")[1].strip() == ""
        assert listening_uids(lab, address, PORT) == {app_uid(lab, address)}
        assert http_get(address, PORT)[0] == 200


def test_a_failed_upgrade_to_the_socket_rolls_back_to_the_host_without_one(without_socket, lab, folder, src):
    # With the socket unit holding PORT, this release's listen on PORT + 1 leaves it unanswered.
    set_version(src, "1.0.1")
    (src / "server.js").write_text(WRONG_PORT_SERVER_JS)
    # A few checks only (each waits 5 s for an answer), and as many again for the release it returns to.
    result = deploy(inventory(lab, folder, src, fleet_health_timeout=60, fleet_health_retries=2))
    set_version(src, "1.0.1")  # the example server again
    assert result.returncode == 1, result.stderr
    for row in result.hosts().values():
        assert row["result"] == "rolled back", row
        # The health gate says which port the app listens on, and which it should.
        assert (f"nothing accepts connections on fleet_app_port {PORT}, and the app listens on port {PORT + 1}"
                in row["detail"]), row
    for address in addresses(lab, PERSONAS).values():
        # As before the deploy: no socket unit, the app's own socket on PORT, serving 1.0.0.
        assert remote(lab, address, f"test -e {SOCKET} && echo present; systemctl is-active fleet-{APP}.socket"
                      )[1].split() == ["inactive"]
        assert listening_uids(lab, address, PORT) == {app_uid(lab, address)}
        assert http_get(address, PORT)[1].startswith("hello from 1.0.0")


def test_the_socket_is_installed_with_a_release_and_listens_through_it(without_socket, lab, folder, src):
    set_version(src, "1.0.2")
    result = deploy(inventory(lab, folder, src))
    assert result.returncode == 0, result.stderr
    for address in addresses(lab, PERSONAS).values():
        assert listening_uids(lab, address, PORT) == {0}  # systemd's socket; the app took it over
        assert http_get(address, PORT)[1].startswith("hello from 1.0.2")
    status = run("status", str(folder / "inventory.yaml"), "--json")
    assert [row["socket"] for row in json.loads(status.stdout)] == [f"listening on [::]:{PORT}"] * len(PERSONAS)


def test_a_new_port_shows_in_the_plan_and_restarts_the_socket_on_it(without_socket, lab, folder, src):
    moved = inventory(lab, folder, src, port=NEW_PORT)
    plan = run("plan", str(moved), "--units")
    assert plan.returncode == 0, plan.stderr
    assert f"-ListenStream={PORT}\n+ListenStream={NEW_PORT}\n" in plan.stdout
    assert f"restart fleet-{APP}.socket and fleet-{APP}.service" in plan.stdout
    assert f"# {host_names(lab, PERSONAS)['server']}: its socket unit\n" in plan.stdout
    result = deploy(moved)
    assert result.returncode == 0, result.stderr
    for address in addresses(lab, PERSONAS).values():
        assert listening_uids(lab, address, NEW_PORT) == {0} and listening_uids(lab, address, PORT) == set()
        assert http_get(address, NEW_PORT)[1].startswith("hello from 1.0.2")
