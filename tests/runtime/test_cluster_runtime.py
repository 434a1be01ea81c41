"""The bundled Node.js cluster runtime, exercised with real node processes and real HTTP."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from runtime_harness import NODE, Load, http_get, wait_for
from fleetctl.runtime import RUNTIME_FILE


def test_runtime_file_is_shipped_in_the_package():
    assert RUNTIME_FILE.is_file()
    assert RUNTIME_FILE.parent.name == "runtime"
    source = RUNTIME_FILE.read_text()
    assert "require('node:os')" not in source and "require('os')" not in source  # the deployer sizes the cluster


def test_starts_the_configured_workers_and_writes_state(releases, start_runtime):
    # CLUSTER_WORKERS is the seed's name for the worker count.
    runtime = start_runtime(releases.entry, workers=None, CLUSTER_WORKERS="3")
    workers = runtime.wait_ready(3)

    state = runtime.state()
    assert state["pid"] == runtime.process.pid
    assert state["release"] == str((releases.base / "releases" / "v1").resolve())
    assert state["schedulingPolicy"] == "rr"
    assert [w["slot"] for w in workers] == [0, 1, 2]
    for worker in workers:
        assert worker["restarts"] == 0
        assert worker["release"] == state["release"]
        assert worker["startedAt"]
        os.kill(worker["pid"], 0)  # a live process
    status, body = http_get(runtime.port)
    assert status == 200 and body["release"] == "v1"
    assert body["pid"] in {w["pid"] for w in workers}


def test_rejects_invalid_configuration(releases):
    env = {**os.environ, "FLEET_WORKERS": "0"}
    result = subprocess.run([NODE, str(RUNTIME_FILE), str(releases.entry)], env=env,
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert "FLEET_WORKERS=0" in result.stderr


def test_crashed_worker_is_replaced(releases, start_runtime):
    runtime = start_runtime(releases.entry, workers=2, FLEET_RESTART_BACKOFF_MS="50")
    before = runtime.wait_ready(2)
    victim = before[0]
    os.kill(victim["pid"], signal.SIGKILL)

    def replaced():
        workers = runtime.serving_workers()
        slot0 = [w for w in workers if w["slot"] == 0]
        return slot0 and slot0[0]["pid"] != victim["pid"] and slot0[0]["state"] == "ready" and slot0[0]
    replacement = wait_for(replaced, 10, "slot 0 to get a new ready worker")

    assert replacement["restarts"] == 1
    untouched = [w for w in runtime.serving_workers() if w["slot"] == 1][0]
    assert untouched["pid"] == before[1]["pid"] and untouched["restarts"] == 0
    assert f"pid {victim['pid']}) exited unexpectedly (signal SIGKILL)" in runtime.log()
    assert "restarting worker in 50 ms" in runtime.log()
    assert http_get(runtime.port)[0] == 200


def test_crash_loop_stops_the_primary_with_nonzero_exit(tmp_path, releases, start_runtime):
    releases.add("broken", app="broken.js")
    releases.switch("broken")
    runtime = start_runtime(releases.entry, workers=1, FLEET_CRASH_LOOP_COUNT="4",
                            FLEET_CRASH_LOOP_WINDOW_MS="20000", FLEET_RESTART_BACKOFF_MS="20")
    code = runtime.wait_exit(timeout=20)

    assert code != 0
    log = runtime.log()
    assert "crash loop: 4 unexpected worker exits" in log
    # Exponential backoff between the restarts before it gave up.
    delays = [int(ms) for ms in re.findall(r"restarting worker in (\d+) ms", log)]
    assert delays == [20, 40, 80]
    assert runtime.state()["status"] == "failed"
    assert not (runtime.state_dir / "control.sock").exists()


def test_sigterm_lets_an_in_flight_slow_request_finish(releases, start_runtime):
    runtime = start_runtime(releases.entry, workers=1)
    runtime.wait_ready(1)
    slow_result = {}

    def slow_request():
        slow_result["response"] = http_get(runtime.port, "/slow?ms=1500", timeout=10)
    client = threading.Thread(target=slow_request)
    client.start()
    wait_for(lambda: http_get(runtime.port, "/in-flight")[1]["inFlight"] == 1, 5, "the slow request to arrive")

    runtime.signal(signal.SIGTERM)
    code = runtime.wait_exit(timeout=10)
    client.join(timeout=10)

    assert code == 0
    status, body = slow_result["response"]
    assert status == 200 and body["slow"] is True
    assert runtime.state()["status"] == "stopped"
    assert runtime.state()["workers"] == []
    with pytest.raises(ConnectionRefusedError):
        http_get(runtime.port)


def test_stop_kills_stragglers_after_the_stop_timeout(releases, start_runtime):
    runtime = start_runtime(releases.entry, workers=1, FLEET_STOP_TIMEOUT_MS="800")
    [worker] = runtime.wait_ready(1)
    client = threading.Thread(target=lambda: _ignore_errors(http_get, runtime.port, "/slow?ms=60000", 20))
    client.start()
    wait_for(lambda: http_get(runtime.port, "/in-flight")[1]["inFlight"] == 1, 5, "the stuck request to arrive")

    started = time.monotonic()
    runtime.signal(signal.SIGTERM)
    code = runtime.wait_exit(timeout=10)

    assert code == 0
    assert 0.7 < time.monotonic() - started < 5
    assert f"pid {worker['pid']}) still running after 800 ms, killing it" in runtime.log()
    with pytest.raises(ProcessLookupError):
        os.kill(worker["pid"], 0)
    client.join(timeout=10)


@pytest.mark.parametrize("policy", ["rr", "none"])
def test_reload_under_constant_load_drops_nothing(releases, start_runtime, policy):
    releases.add("v2")
    runtime = start_runtime(releases.entry, workers=2, NODE_CLUSTER_SCHED_POLICY=policy)
    old_pids = {w["pid"] for w in runtime.wait_ready(2)}

    with Load(runtime.port, threads=4, keep_alive=True) as load:
        load.wait_requests(200)
        releases.switch("v2")
        first = runtime.reload_command()
        load.wait_requests(200)
        second = runtime.reload_command()
        load.wait_requests(200)
    result = load.result

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "succeeded: 2 worker(s)" in first.stdout
    assert result.failed == 0, result.errors[:5]
    assert result.releases == {"v1", "v2"}
    state = runtime.state()
    assert state["schedulingPolicy"] == policy
    assert state["lastReload"]["ok"] is True and state["lastReload"]["generation"] == 2
    assert state["release"].endswith("/releases/v2")
    new_workers = runtime.serving_workers()
    assert len(new_workers) == 2 and len(state["workers"]) == 2
    assert {w["pid"] for w in new_workers}.isdisjoint(old_pids)
    assert all(w["release"].endswith("/releases/v2") for w in new_workers)
    assert http_get(runtime.port)[1]["release"] == "v2"


def test_reload_into_a_broken_release_keeps_old_workers_serving(releases, start_runtime):
    releases.add("broken", app="broken.js")
    runtime = start_runtime(releases.entry, workers=2)
    old_pids = {w["pid"] for w in runtime.wait_ready(2)}

    with Load(runtime.port, threads=2) as load:
        load.wait_requests(50)
        releases.switch("broken")
        failed = runtime.reload_command()
        load.wait_requests(50)
    assert load.result.failed == 0, load.result.errors[:5]
    assert load.result.releases == {"v1"}

    assert failed.returncode == 1
    assert "failed" in failed.stderr and "before it was ready" in failed.stderr
    state = runtime.state()
    assert state["lastReload"]["ok"] is False
    assert "releases/broken" in state["lastReload"]["error"]
    assert {w["pid"] for w in runtime.serving_workers()} == old_pids
    assert state["release"].endswith("/releases/v1")
    assert http_get(runtime.port)[1]["release"] == "v1"

    # Rolling back the symlink and reloading recovers.
    releases.switch("v1")
    assert runtime.reload_command().returncode == 0
    assert {w["pid"] for w in runtime.wait_ready(2)}.isdisjoint(old_pids)


def test_one_worker_reload_keeps_the_port_open(releases, start_runtime):
    runtime = start_runtime(releases.entry, workers=1)
    pids = [runtime.wait_ready(1)[0]["pid"]]

    # A fresh connection per request: any moment without a listener is a refused connection.
    with Load(runtime.port, threads=2, keep_alive=False) as load:
        for generation in (1, 2, 3):
            load.wait_requests(30)
            runtime.signal(signal.SIGHUP)
            wait_for(lambda: (runtime.state()["lastReload"] or {}).get("generation") == generation
                     and runtime.state()["lastReload"]["ok"], 10, f"reload {generation} via SIGHUP")
            pids.append(runtime.wait_ready(1)[0]["pid"])
        load.wait_requests(30)

    assert load.result.failed == 0, load.result.errors[:5]
    assert len(set(pids)) == 4  # each reload replaced the worker
    assert len(load.result.pids) >= 2


def test_ready_message_opt_in_and_ready_timeout(releases, start_runtime):
    releases.add("silent", no_ready=True)  # listens but never says ready
    runtime = start_runtime(releases.entry, workers=2, FLEET_READY_MESSAGE="1", FLEET_READY_TIMEOUT_MS="1000")
    old_pids = {w["pid"] for w in runtime.wait_ready(2)}
    assert "ready (sent ready)" in runtime.log()

    releases.switch("silent")
    started = time.monotonic()
    result = runtime.reload_command()
    assert result.returncode == 1
    assert "not ready within 1000 ms" in result.stderr
    assert time.monotonic() - started < 5
    assert {w["pid"] for w in runtime.serving_workers()} == old_pids
    wait_for(lambda: len(runtime.state()["workers"]) == 2, 5, "the failed candidate to be gone")


def test_reload_command_fails_without_a_running_primary(tmp_path):
    env = {**os.environ, "FLEET_STATE_DIR": str(tmp_path)}
    result = subprocess.run([NODE, str(RUNTIME_FILE), "--reload", "--timeout-ms", "2000"],
                            env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert "cannot reach the primary" in result.stderr


def test_reload_requests_during_a_reload_are_coalesced(releases, start_runtime):
    releases.add("v2")
    # Slow-starting workers make the first reload last long enough for the others to queue.
    runtime = start_runtime(releases.entry, workers=2, APP_START_DELAY_MS="400")
    runtime.wait_ready(2)
    releases.switch("v2")
    results = []
    callers = [threading.Thread(target=lambda: results.append(runtime.reload_command())) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=40)

    assert [r.returncode for r in results] == [0, 0, 0]
    # The first runs at once; the two that came in meanwhile share one more.
    assert runtime.state()["lastReload"]["generation"] == 2
    assert http_get(runtime.port)[1]["release"] == "v2"


def _ignore_errors(func, *args):
    try:
        func(*args)
    except OSError:
        pass


def test_reload_does_not_wait_for_idle_keep_alive_connections(releases, start_runtime):
    # An idle pooled connection (a proxy's upstream keep-alive) must not hold
    # the old worker for the server's 5 s keepAliveTimeout.
    runtime = start_runtime(releases.entry, workers=1, FLEET_DRAIN_IDLE_MS="300")
    [old] = runtime.wait_ready(1)
    idle = http.client.HTTPConnection("127.0.0.1", runtime.port, timeout=10)
    idle.request("GET", "/")
    assert idle.getresponse().read()

    started = time.monotonic()
    result = runtime.reload_command()
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    assert elapsed < 4, f"reload took {elapsed:.1f}s"  # keepAliveTimeout would make it > 5 s
    assert f"pid {old['pid']}) drained" in runtime.log()
    idle.close()
