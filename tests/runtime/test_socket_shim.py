"""The socket shim and the cluster runtime with a listening socket passed in as systemd passes it
(sd_listen_fds(3)): real node processes, real HTTP on 127.0.0.1. The test holds the socket, as a
socket unit does, while the processes that take it come and go."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time

import pytest

from runtime_harness import NODE, HeldSocket, Load, free_port, http_get, wait_for
from fleetctl.runtime import SHIM_FILE

WILDCARD = {"APP_HOST": ""}  # the app listens on PORT without an address, as most apps do


@pytest.fixture
def held():
    return HeldSocket()


def test_shim_file_is_shipped_beside_the_runtime():
    assert SHIM_FILE.is_file() and SHIM_FILE.parent.name == "runtime"


def test_listen_on_port_takes_the_socket_passed_in(releases, start_runtime, held):
    app = start_runtime(releases.entry, workers=None, held=held, shim=True, **WILDCARD)
    # The test holds the port: had the app bound it itself, listen() would have failed with EADDRINUSE.
    status, body = wait_for(lambda: _get_or_none(app.port), 10, f"the app to answer\n{app.log()}")
    assert status == 200 and body["pid"] == app.process.pid
    assert f"fleet-socket: port {app.port} is the socket systemd passed in (fd 3)" in app.log()
    # Removed, so that the app's children do not take the socket for theirs.
    assert http_get(app.port, "/env")[1]["env"] == {
        "LISTEN_FDS": None, "LISTEN_PID": None, "LISTEN_FDNAMES": None, "FLEET_LISTEN_FD": None}


def test_a_second_listen_on_another_port_binds_it_as_usual(releases, start_runtime, held):
    metrics = free_port()
    app = start_runtime(releases.entry, workers=None, held=held, shim=True, METRICS_PORT=str(metrics), **WILDCARD)
    wait_for(lambda: _get_or_none(app.port), 10, f"the app to answer\n{app.log()}")
    status, body = wait_for(lambda: _get_or_none(metrics), 10, "the metrics port to answer")
    assert status == 200 and body == {"pid": app.process.pid, "metrics": True}


def test_a_restart_under_load_refuses_nothing_and_finishes_the_request_in_flight(releases, start_runtime, held):
    app = start_runtime(releases.entry, workers=None, held=held, shim=True, **WILDCARD)
    wait_for(lambda: _get_or_none(app.port), 10, f"the app to answer\n{app.log()}")
    slow = {}
    client = threading.Thread(target=lambda: slow.update(response=http_get(app.port, "/slow?ms=1500", timeout=10)))
    # Fresh connections (a moment without a listener is a refused connection) and keep-alive ones.
    with Load(app.port, threads=2, keep_alive=False) as fresh, Load(app.port, threads=2) as kept:
        fresh.wait_requests(50)
        client.start()
        wait_for(lambda: http_get(app.port, "/in-flight")[1]["inFlight"] == 1, 5, "the slow request to arrive")
        pids = {app.process.pid}
        for _ in range(3):
            assert app.restart() == 0, app.log()  # SIGTERM: drained, then exits 0
            pids.add(app.process.pid)
            fresh.wait_requests(50, timeout=20)
            kept.wait_requests(50, timeout=20)
    client.join(timeout=10)
    assert slow["response"][0] == 200 and slow["response"][1]["slow"] is True
    for load in (fresh, kept):
        assert load.result.failed == 0, load.result.errors[:5]
    assert len(pids) == 4 and len(fresh.result.pids) >= 3


def test_an_address_other_than_every_address_is_not_taken_over(releases, start_runtime, held):
    app = start_runtime(releases.entry, workers=None, held=held, shim=True)  # listen(PORT, '127.0.0.1')
    assert app.wait_exit(timeout=10) != 0  # the test holds the port: the app's own bind fails
    log = app.log()
    assert (f"fleet-socket: listen({app.port}, '127.0.0.1') names an address, so it does not take the socket "
            f"systemd passed in, which holds port {app.port} on every address") in log
    assert "EADDRINUSE" in log


def test_a_socket_passed_to_another_process_is_not_taken(releases, tmp_path, held):
    env = {**os.environ, "PORT": str(held.port), "APP_HOST": "", "LISTEN_FDS": "1", "LISTEN_PID": "1"}
    done = subprocess.run([NODE, "--require", str(SHIM_FILE), str(releases.entry)], env=env, cwd=releases.entry.parent,
                          capture_output=True, text=True, timeout=20)
    assert done.returncode != 0 and "EADDRINUSE" in done.stderr  # it bound the port itself
    assert "fleet-socket:" not in done.stdout


def test_an_app_that_handles_sigterm_itself_stops_its_own_way(tmp_path, held):
    app = tmp_path / "own-sigterm.js"
    app.write_text("""
const http = require('node:http');
const server = http.createServer((req, res) => res.end('ok'));
server.listen(Number(process.env.PORT), () => console.log('listening'));
process.on('SIGTERM', () => { console.log('app stops itself'); process.exit(7); });
""")
    process = _start_with_socket(held, app)
    try:
        wait_for(lambda: _get_text(held.port), 10, "the app to answer")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 7 and "app stops itself" in output


def test_a_stuck_connection_holds_the_stop_no_longer_than_the_stop_timeout(releases, start_runtime, held):
    app = start_runtime(releases.entry, workers=None, held=held, shim=True, FLEET_STOP_TIMEOUT_MS="800", **WILDCARD)
    wait_for(lambda: _get_or_none(app.port), 10, f"the app to answer\n{app.log()}")
    client = threading.Thread(target=lambda: _ignore_errors(http_get, app.port, "/slow?ms=60000", 20))
    client.start()
    wait_for(lambda: http_get(app.port, "/in-flight")[1]["inFlight"] == 1, 5, "the stuck request to arrive")
    app.signal(signal.SIGTERM)
    assert app.wait_exit(timeout=10) == 0
    assert "fleet-socket: connections still open 800 ms after SIGTERM, exiting" in app.log()
    client.join(timeout=30)


def test_an_idle_keep_alive_connection_does_not_hold_the_stop(releases, start_runtime, held):
    # Closed once idle FLEET_DRAIN_IDLE_MS after SIGTERM, not after the server's 5 s keepAliveTimeout.
    app = start_runtime(releases.entry, workers=None, held=held, shim=True, FLEET_DRAIN_IDLE_MS="300", **WILDCARD)
    wait_for(lambda: _get_or_none(app.port), 10, f"the app to answer\n{app.log()}")
    idle = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    idle.request("GET", "/")
    assert idle.getresponse().read()
    started = time.monotonic()
    app.signal(signal.SIGTERM)
    assert app.wait_exit(timeout=10) == 0
    assert time.monotonic() - started < 4
    idle.close()


def test_a_keep_alive_request_after_sigterm_is_answered_with_connection_close(releases, start_runtime, held):
    app = start_runtime(releases.entry, workers=None, held=held, shim=True, FLEET_DRAIN_IDLE_MS="2000", **WILDCARD)
    wait_for(lambda: _get_or_none(app.port), 10, f"the app to answer\n{app.log()}")
    kept = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    kept.request("GET", "/")
    first = kept.getresponse()
    assert first.read() and not first.will_close
    app.signal(signal.SIGTERM)
    wait_for(lambda: "fleet-socket: SIGTERM: 1 server(s) stop accepting" in app.log(), 5, "the app to drain")
    kept.request("GET", "/")  # on the connection the stopping process still has
    second = kept.getresponse()
    assert second.status == 200 and second.will_close and second.getheader("Connection") == "close"
    second.read()
    assert app.wait_exit(timeout=10) == 0


def test_systemds_own_socket_passing_is_understood(releases, tmp_path):
    # systemd-socket-activate binds the socket and execs the command with it, as a socket unit does.
    port = free_port()
    process = subprocess.Popen(
        ["systemd-socket-activate", "--listen", f"127.0.0.1:{port}", "-E", f"PORT={port}", "-E", "APP_HOST=",
         NODE, "--require", str(SHIM_FILE), str(releases.entry)],
        cwd=releases.entry.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        status, body = wait_for(lambda: _get_or_none(port), 10, "the app to answer")
        assert status == 200 and body["pid"] == process.pid  # exec'd: the command has systemd-socket-activate's pid
        assert http_get(port, "/env")[1]["env"]["LISTEN_FDNAMES"] is None
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"fleet-socket: port {port} is the socket systemd passed in (fd 3)" in output


# --- the cluster runtime with the socket ------------------------------------------------


@pytest.mark.parametrize("policy", ["rr", "none"])
def test_the_runtime_shares_the_socket_with_its_workers_and_restarts_refusing_nothing(
        releases, start_runtime, held, policy):
    metrics = free_port()
    runtime = start_runtime(releases.entry, workers=2, held=held, NODE_CLUSTER_SCHED_POLICY=policy,
                            METRICS_PORT=str(metrics), **WILDCARD)
    runtime.wait_ready(2)
    assert f"fleet-runtime: port {runtime.port}: the socket systemd passed in (fd 3), shared with the workers" \
        in runtime.log()
    assert http_get(metrics)[1]["metrics"] is True  # a worker's second listen binds its own port
    assert http_get(runtime.port, "/env")[1]["env"] == {
        "LISTEN_FDS": None, "LISTEN_PID": None, "LISTEN_FDNAMES": None, "FLEET_LISTEN_FD": None}
    with Load(runtime.port, threads=2, keep_alive=False) as fresh, Load(runtime.port, threads=2) as kept:
        fresh.wait_requests(100)
        for _ in range(2):
            assert runtime.restart() == 0, runtime.log()
            runtime.wait_ready(2, timeout=20)
            fresh.wait_requests(100, timeout=20)
            kept.wait_requests(100, timeout=20)
        assert runtime.reload_command().returncode == 0  # and a rolling reload, as before
        fresh.wait_requests(100, timeout=20)
    for load in (fresh, kept):
        assert load.result.failed == 0, load.result.errors[:5]
    assert len(fresh.result.pids) >= 6  # 2 workers each of 3 generations answered


@pytest.mark.parametrize("policy", ["rr", "none"])
def test_when_the_last_worker_leaves_the_socket_the_primary_exits_for_systemd_to_restart_it(
        releases, start_runtime, held, policy):
    # Node's cluster module closes the primary's handle, and so its fd, of a socket no worker uses.
    runtime = start_runtime(releases.entry, workers=1, held=held, NODE_CLUSTER_SCHED_POLICY=policy,
                            FLEET_RESTART_BACKOFF_MS="20", **WILDCARD)
    [worker] = runtime.wait_ready(1)
    os.kill(worker["pid"], signal.SIGKILL)
    assert runtime.wait_exit(timeout=10) == 1
    log = runtime.log()
    assert "the socket systemd passed in closed with the last worker that listened on it: exiting" in log
    assert "EADDRINUSE" not in log and "EBADF" not in log
    # The socket held on meanwhile: a request sent now waits, and the restarted service answers it.
    answer = {}
    client = threading.Thread(target=lambda: answer.update(response=http_get(runtime.port, timeout=20)))
    client.start()
    runtime.process = runtime._start()  # systemd's Restart=on-failure
    client.join(timeout=30)
    assert answer["response"][0] == 200


def _get_or_none(port: int):
    try:
        return http_get(port, timeout=2)
    except OSError:
        return None


def _get_text(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/")
        return connection.getresponse().read() == b"ok"
    except OSError:
        return False


def _start_with_socket(held: HeldSocket, entry) -> subprocess.Popen:
    env = {**os.environ, "PORT": str(held.port)}
    return subprocess.Popen(held.command([NODE, "--require", str(SHIM_FILE), str(entry)]), env=env,
                            pass_fds=(held.socket.fileno(),), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _ignore_errors(func, *args):
    try:
        func(*args)
    except OSError:
        pass

