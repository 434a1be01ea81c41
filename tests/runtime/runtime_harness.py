"""Harness for the cluster runtime tests (fixtures in conftest.py): real node processes, real HTTP on 127.0.0.1.

Every wait polls with a deadline (no fixed sleeps), and every process a test
starts runs in its own session so teardown can kill what is left of it.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from fleetctl.runtime import RUNTIME_FILE, SHIM_FILE

APPS_DIR = Path(__file__).resolve().parent / "apps"
LISTEN_FDS = Path(__file__).resolve().parent / "listen_fds.py"
# FLEET_TEST_NODE runs the suite under another node, e.g. Debian's Node 18.
NODE = os.environ.get("FLEET_TEST_NODE") or shutil.which("node") or "/usr/bin/node"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.02):
    """Poll predicate until it returns something truthy; fail with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def http_get(port: int, path: str = "/", timeout: float = 5.0) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


class Releases:
    """A deploy layout: base/releases/<name>/server.js and base/current -> releases/<name>."""

    def __init__(self, base: Path):
        self.base = base
        self.current = base / "current"
        (base / "releases").mkdir(parents=True)

    def add(self, name: str, app: str = "server.js", no_ready: bool = False) -> Path:
        release = self.base / "releases" / name
        release.mkdir()
        shutil.copy(APPS_DIR / app, release / "server.js")
        if no_ready:
            (release / "NO_READY").touch()
        return release

    def switch(self, name: str) -> None:
        # Atomic, as a deploy does it: new symlink, then rename over the old one.
        tmp = self.base / "current.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(Path("releases") / name)
        os.replace(tmp, self.current)

    @property
    def entry(self) -> Path:
        return self.current / "server.js"


class HeldSocket:
    """A listening socket on 127.0.0.1 that the test holds, as a systemd socket unit does: each
    process started with it gets it as systemd passes it (listen_fds.py), and it stays open while
    they come and go."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(128)
        self.port = self.socket.getsockname()[1]

    def command(self, argv: list[str]) -> list[str]:
        return [sys.executable, str(LISTEN_FDS), str(self.socket.fileno()), *argv]

    def close(self) -> None:
        self.socket.close()


class Runtime:
    """One primary (or, with shim=True, one single process under the socket shim) started as the systemd
    unit would, minus systemd; with `held`, passed the socket it holds, as the unit's socket unit does."""

    def __init__(self, base: Path, entry: Path, port: int, workers: int | None, env: dict[str, str],
                 held: HeldSocket | None = None, shim: bool = False):
        self.port = held.port if held else port
        self.held = held
        self.state_dir = base / "run"
        self.log_path = base / "runtime.log"
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "FLEET_STATE_DIR": str(self.state_dir),
            **env,
        }
        if workers is not None:
            self.env["FLEET_WORKERS"] = str(workers)
        self.argv = [NODE, "--require", str(SHIM_FILE), str(entry)] if shim else [NODE, str(RUNTIME_FILE), str(entry)]
        self.cwd = entry.parent
        self._log_file = open(self.log_path, "wb")
        self.process = self._start()

    def _start(self) -> subprocess.Popen:
        argv = self.held.command(self.argv) if self.held else self.argv
        return subprocess.Popen(
            argv,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=(self.held.socket.fileno(),) if self.held else (),
        )

    def restart(self, timeout: float = 15.0) -> int:
        """What `systemctl restart` does: SIGTERM, wait for the exit, start again; the exit code."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self.process = self._start()
        return code

    def log(self) -> str:
        return self.log_path.read_text()

    def state(self) -> dict | None:
        try:
            return json.loads((self.state_dir / "state.json").read_text())
        except FileNotFoundError:
            return None

    def serving_workers(self) -> list[dict]:
        state = self.state() or {"workers": []}
        return [w for w in state["workers"] if w["role"] == "serving"]

    def wait_ready(self, count: int, timeout: float = 10.0) -> list[dict]:
        def ready():
            workers = self.serving_workers()
            if len(workers) == count and all(w["state"] == "ready" for w in workers):
                return workers
            return None

        return wait_for(ready, timeout, f"{count} ready workers\n{self.log()}")

    def reload_command(self, timeout: float = 30.0) -> subprocess.CompletedProcess:
        return subprocess.run(
            [NODE, str(RUNTIME_FILE), "--reload", "--timeout-ms", str(int(timeout * 1000))],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout + 5,
        )

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait_exit(self, timeout: float = 15.0) -> int:
        return self.process.wait(timeout=timeout)

    def cleanup(self) -> None:
        if self.held:
            self.held.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # workers left behind, if any
        except ProcessLookupError:
            pass
        self.process.wait(timeout=5)
        self._log_file.close()


@dataclass
class LoadResult:
    ok: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    releases: set[str] = field(default_factory=set)
    pids: set[int] = field(default_factory=set)


class Load:
    """Constant HTTP load from threads until stopped (or max_seconds pass).

    keep_alive=True reuses one connection per thread, as a proxy or load
    balancer would; keep_alive=False opens a fresh connection per request,
    so a moment without a listener shows up as a refused connection.
    """

    def __init__(self, port: int, threads: int = 4, keep_alive: bool = True, max_seconds: float = 60.0):
        self.port = port
        self.keep_alive = keep_alive
        self.max_seconds = max_seconds
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> LoadResult:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)
        return self.result

    def wait_requests(self, count: int, timeout: float = 10.0) -> None:
        start = self.result.ok
        wait_for(lambda: self.result.ok >= start + count, timeout, f"{count} more successful requests")

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        conn = None
        while not self._stop.is_set() and time.monotonic() < deadline:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                conn.request("GET", "/")
                response = conn.getresponse()
                body = json.loads(response.read())
                self._record(response.status == 200, body, f"status {response.status}")
            except (OSError, http.client.HTTPException, ValueError) as error:
                self._record(False, None, f"{type(error).__name__}: {error}")
                conn.close()
                conn = None
            if not self.keep_alive and conn is not None:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def _record(self, ok: bool, body: dict | None, error: str) -> None:
        with self._lock:
            if ok:
                self.result.ok += 1
                self.result.releases.add(body["release"])
                self.result.pids.add(body["pid"])
            else:
                self.result.failed += 1
                self.result.errors.append(error)
