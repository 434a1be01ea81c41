"""parse_status: the status script's raw output in, one host's status row out (pure, no host)."""

import json

import pytest

from fleetctl.domain import Mode, RunningProcess, Scheduling
from fleetctl.facts import ProbeParseError
from fleetctl.status import HostStatus, parse_status

RELEASE = "abc123def456"
STARTED_US = 12_000_670_000  # ActiveEnterTimestampMonotonic: microseconds since boot
UPTIME = "12345.67 23456.78\n"  # /proc/uptime: seconds since boot, then idle seconds

# systemctl show -p ... prints the service's properties, then the unit's.
ACTIVE = (f"MainPID=4242\nNRestarts=0\nActiveState=active\nSubState=running\n"
          f"ActiveEnterTimestampMonotonic={STARTED_US}\n")
FAILED = "MainPID=0\nNRestarts=5\nActiveState=failed\nSubState=failed\nActiveEnterTimestampMonotonic=0\n"
NEVER_STARTED = "MainPID=0\nNRestarts=0\nActiveState=inactive\nSubState=dead\nActiveEnterTimestampMonotonic=0\n"


def worker(slot: int, worker_id: int, state: str = "ready", restarts: int = 0, role: str = "serving") -> dict:
    """One entry of the runtime's workers, as ClusterPrimary.snapshot() writes it."""
    return {"slot": slot, "id": worker_id, "pid": 5000 + worker_id, "state": state, "role": role,
            "startedAt": "2026-12-01T20:04:26.982Z", "restarts": restarts,
            "release": f"/opt/shop/releases/{RELEASE}"}


def runtime_state(*workers: dict, status: str = "running", wanted: int = 2) -> str:
    """state.json as node-cluster-runtime.js writes it: JSON.stringify(snapshot, null, 2) and a newline."""
    snapshot = {
        "runtime": "fleet-node-cluster-runtime", "pid": 4242, "status": status,
        "startedAt": "2026-12-01T20:04:26.978Z", "updatedAt": "2026-12-01T20:04:27.048Z",
        "entry": "/opt/shop/current/server.js", "release": f"/opt/shop/releases/{RELEASE}",
        "workersWanted": wanted, "schedulingPolicy": "rr", "workers": list(workers), "lastReload": None,
    }
    return json.dumps(snapshot, indent=2) + "\n"


CLUSTER_PROCESS = RunningProcess(Mode.CLUSTER, 2, Scheduling.RR).to_json()
SINGLE_PROCESS = RunningProcess(Mode.SINGLE, 1, None).to_json()
TWO_READY = runtime_state(worker(0, 1), worker(1, 2))


def status_output(current: str = f"releases/{RELEASE}\n", show: str = ACTIVE, uptime: str = UPTIME,
                  process: str = CLUSTER_PROCESS, runtime: str = TWO_READY, socket: str = "") -> str:
    """What the status script prints: each section's header, then the output of its command (maybe none)."""
    sections = [("status", "fleetctl-status 1\n"), ("current", current), ("show", show), ("uptime", uptime),
                ("process", process), ("runtime", runtime), ("socket", socket), ("end", "")]
    return "".join(f"==> {name} <==\n{body}" for name, body in sections)


def test_a_clustered_host_shows_its_service_release_mode_workers_restarts_and_uptime():
    status = parse_status("web1", status_output())
    assert status == HostStatus("web1", "active (running)", RELEASE, Mode.CLUSTER, workers_alive=2,
                                workers_expected=2, restarts=0, uptime_s=pytest.approx(345.0), error=None)


def test_workers_alive_are_the_ready_ones():
    runtime = runtime_state(worker(0, 3, state="starting", restarts=1), worker(1, 2))
    status = parse_status("web1", status_output(runtime=runtime))
    assert (status.workers_alive, status.workers_expected) == (1, 2)


def test_restarts_are_systemds_and_the_workers_together():
    show = ACTIVE.replace("NRestarts=0", "NRestarts=2")
    runtime = runtime_state(worker(0, 3, restarts=1), worker(1, 5, restarts=3))
    assert parse_status("web1", status_output(show=show, runtime=runtime)).restarts == 2 + 1 + 3


def test_during_a_reload_a_draining_worker_is_not_alive_and_its_slot_restarts_count_once():
    # Mid-reload, a slot holds its old worker (draining) and the new one; the runtime writes
    # each with the slot's restart count.
    runtime = runtime_state(worker(0, 3, state="draining", restarts=1), worker(0, 4, restarts=1),
                            worker(1, 2), status="reloading")
    status = parse_status("web1", status_output(runtime=runtime))
    assert (status.workers_alive, status.workers_expected, status.restarts) == (2, 2, 1)


def test_workers_without_a_slot_number_count_their_restarts_each():
    runtime = json.dumps({"workers": [{"state": "ready", "restarts": 1}, {"state": "ready", "restarts": 2}]})
    assert parse_status("web1", status_output(runtime=runtime + "\n")).restarts == 3


def test_a_single_process_is_alive_while_its_service_is_active():
    active = parse_status("pi1", status_output(process=SINGLE_PROCESS, runtime=""))
    assert (active.mode, active.workers_alive, active.workers_expected) == (Mode.SINGLE, 1, 1)
    failed = parse_status("pi1", status_output(show=FAILED, process=SINGLE_PROCESS, runtime=""))
    assert (failed.service, failed.workers_alive, failed.workers_expected) == ("failed (failed)", 0, 1)
    assert (failed.restarts, failed.uptime_s) == (5, None)


def test_a_host_deployed_before_the_process_file_existed_has_no_mode():
    status = parse_status("web1", status_output(process=""))
    assert (status.mode, status.workers_expected) == (None, None)
    assert (status.service, status.release, status.workers_alive) == ("active (running)", RELEASE, 2)


def test_an_unreadable_process_file_or_runtime_state_is_unknown_not_an_error():
    status = parse_status("web1", status_output(process="{not json\n", runtime='{"workers": [\n'))
    assert (status.mode, status.workers_expected, status.workers_alive, status.restarts) == (None, None, None, 0)
    assert status.error is None


def test_a_host_never_deployed_has_no_release_and_no_uptime():
    status = parse_status("web1", status_output(current="", show=NEVER_STARTED, process="", runtime=""))
    assert status == HostStatus("web1", "inactive (dead)", None, None, None, None, 0, None)


def test_output_that_is_not_the_status_scripts_is_refused():
    with pytest.raises(ProbeParseError, match="not from the fleetctl status script"):
        parse_status("web1", "This account is currently not available.\n")


def test_truncated_output_is_refused():
    raw = status_output()
    with pytest.raises(ProbeParseError, match="status output is truncated"):
        parse_status("web1", raw[: raw.index("==> runtime <==")])


def test_status_as_json_has_every_field():
    assert parse_status("web1", status_output()).to_dict() == {
        "host": "web1", "service": "active (running)", "release": RELEASE, "mode": "cluster", "workers_alive": 2,
        "workers_expected": 2, "restarts": 0, "uptime_s": pytest.approx(345.0), "error": None, "socket": None}


# systemctl show fleet-shop.socket -p LoadState -p ActiveState -p SubState -p Listen
SOCKET_RUNNING = "LoadState=loaded\nActiveState=active\nSubState=running\nListen=[::]:3000 (Stream)\n"
SOCKET_FAILED = "LoadState=loaded\nActiveState=failed\nSubState=failed\nListen=[::]:3000 (Stream)\n"
NO_SOCKET = "LoadState=not-found\nActiveState=inactive\nSubState=dead\n"


def test_the_socket_shows_where_it_listens_or_its_state():
    assert parse_status("web1", status_output(socket=SOCKET_RUNNING)).socket == "listening on [::]:3000"
    listening = SOCKET_RUNNING.replace("SubState=running", "SubState=listening")  # the service is not running
    assert parse_status("web1", status_output(socket=listening)).socket == "listening on [::]:3000"
    assert parse_status("web1", status_output(socket=SOCKET_FAILED)).socket == "failed (failed)"
    assert parse_status("web1", status_output(socket=NO_SOCKET)).socket is None  # fleet_app_socket: false
