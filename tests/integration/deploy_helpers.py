"""Shared pieces of the deploy integration tests: a module's own app and inventory on the lab,
fleetctl deploy/status runs, what each host really serves over HTTP, and a bounded load generator.

Each test module deploys its own app (its own fleet_app_name and port) from a copy of the
example app, so modules do not depend on what else ran on the lab.
"""

import copy
import http.client
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from conftest import REPO, LabInventory, fleetctl

EXAMPLE_APP = REPO / "fleetctl" / "lab" / "example-app"
PERSONAS = ("server", "vm", "container", "pi")
NOT_PI = "server,vm,container"  # --limit for tests whose proof does not need the slow emulated pi
CLUSTERED = ("server", "vm")
SINGLE = ("container", "pi")

# A server.js whose health check fails: on every host, or only on hosts whose name contains FAIL_ON.
FAILING_SERVER_JS = """'use strict';
const http = require('node:http');
const os = require('node:os');
const { version } = require('./package.json');
const failOn = process.env.FAIL_ON_HOST || '__FAIL_ON__';
const failing = failOn === '*' || os.hostname().includes(failOn);
http.createServer((request, response) => {
  if (request.url === '/healthz' && failing) {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end('broken on purpose\\n');
    return;
  }
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(request.url === '/healthz' ? JSON.stringify({ status: 'ok', version }) : `hello from ${version}\\n`);
}).listen(Number(process.env.PORT || 3000));
"""


def make_app(folder: Path, version: str) -> Path:
    """A copy of the example app at `folder`, answering with `version`."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(EXAMPLE_APP, folder)
    set_version(folder, version)
    return folder


def set_version(app: Path, version: str, fail_on: str | None = None) -> None:
    """Make a new release: change package.json's version; fail_on='*' (every host) or a host-name
    part makes its health check answer HTTP 500 there; None restores the example server."""
    package = json.loads((app / "package.json").read_text())
    package["version"] = version
    (app / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    if fail_on is None:
        shutil.copy(EXAMPLE_APP / "server.js", app / "server.js")
    else:
        (app / "server.js").write_text(FAILING_SERVER_JS.replace("__FAIL_ON__", fail_on))


def write_inventory(lab: LabInventory, path: Path, app_name: str, port: int, src: Path,
                    all_vars: dict | None = None, group_vars: dict[str, dict] | None = None,
                    personas=PERSONAS) -> Path:
    """lab.yaml's hosts (of these personas) and connection settings with this module's own app."""
    data = copy.deepcopy(lab.data)
    for group in list(data["all"]["children"]):
        if group not in personas:
            del data["all"]["children"][group]
    kept = {host for body in data["all"]["children"].values() for host in body.get("hosts") or {}}
    for body in data["all"]["children"].values():  # builders left out: their groups build where fleetctl chooses
        if (body.get("vars") or {}).get("fleet_build_host") not in (None, *kept):
            del body["vars"]["fleet_build_host"]
    variables = data["all"]["vars"]
    variables.update({"fleet_app_name": app_name, "fleet_app_port": port, "fleet_app_src": str(src),
                      # generous: the lab shares 2 cores with an emulated pi (and at times other labs)
                      "fleet_health_timeout": 90, "fleet_health_retries": 15})
    variables.update(all_vars or {})
    for group, extra in (group_vars or {}).items():
        data["all"]["children"][group].setdefault("vars", {}).update(extra)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def host_names(lab: LabInventory, personas=PERSONAS) -> dict[str, str]:
    """persona -> the lab's host name for it."""
    return {persona: next(iter(lab.hosts(persona))) for persona in personas}


def addresses(lab: LabInventory, personas=PERSONAS) -> dict[str, str]:
    """host name -> address."""
    found = {}
    for persona in personas:
        found.update(lab.hosts(persona))
    return found


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def document(self):
        return json.loads(self.stdout)

    def hosts(self) -> dict[str, dict]:
        return {row["host"]: row for row in self.document["hosts"]}


def run(*args: str, timeout: float = 600) -> Run:
    started = time.monotonic()
    done = fleetctl(*args, check=False, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def deploy(inventory: Path, *args: str, timeout: float = 600) -> Run:
    return run("deploy", str(inventory), "--json", *args, timeout=timeout)


def http_get(address: str, port: int, path: str = "/", timeout: float = 5) -> tuple[int, str]:
    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def served_version(address: str, port: int) -> str | None:
    """The version a host's app answers with on /, or None when it does not answer."""
    try:
        status, body = http_get(address, port)
    except OSError:
        return None
    if status != 200 or not body.startswith("hello from "):
        return None
    return body.split()[2]


def served_versions(lab: LabInventory, port: int, personas=PERSONAS) -> dict[str, str | None]:
    return {name: served_version(address, port) for name, address in addresses(lab, personas).items()}


def remote(lab: LabInventory, address: str, command: str, timeout: float = 60) -> tuple[int, str]:
    """Run a command as root on a lab host over our checked SSH connection."""
    client = lab.ssh_client(address)
    try:
        _stdin, stdout, stderr = client.exec_command(f"sudo -n sh -c {shell_quote(command)}", timeout=timeout)
        output = stdout.read().decode() + stderr.read().decode()
        return stdout.channel.recv_exit_status(), output
    finally:
        client.close()


def wipe_app(lab: LabInventory, app_name: str, personas=PERSONAS) -> None:
    """Remove every trace of an app from the hosts, so a module starts from a first deploy
    whatever an earlier run of it left."""
    units = f"fleet-{app_name}.socket fleet-{app_name}.service"
    script = (f"systemctl disable --now {units} 2>/dev/null; "
              f"rm -rf /opt/{app_name} /etc/fleet/{app_name}.env /etc/fleet/{app_name}.process.json "
              f"/etc/systemd/system/fleet-{app_name}.service /etc/systemd/system/fleet-{app_name}.socket; "
              f"systemctl daemon-reload; systemctl reset-failed {units} 2>/dev/null; "
              f"userdel {app_name} 2>/dev/null; true")
    threads = [threading.Thread(target=remote, args=(lab, address, script))
               for address in addresses(lab, personas).values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class CurrentWatch:
    """Checks `current` on each host, over and over while a rollout runs (a loop on the host, ~50
    times a second), counting the checks that found it not pointing at a whole release."""

    def __init__(self, lab: LabInventory, app_name: str, personas=PERSONAS, max_seconds: int = 300):
        self.lab, self.app_name, self.max_seconds = lab, app_name, max_seconds
        self.stop_file = f"/tmp/fleetctl-test-stop-watch-{app_name}"
        self.results: dict[str, tuple[int, int]] = {}  # host -> (checks, broken)
        self.targets = addresses(lab, personas)
        self._threads = [threading.Thread(target=self._watch, args=(name, address), daemon=True)
                         for name, address in self.targets.items()]

    def _watch(self, name: str, address: str) -> None:
        script = (f"rm -f {self.stop_file}; end=$(( $(date +%s) + {self.max_seconds} )); checks=0; broken=0; "
                  f"while [ ! -e {self.stop_file} ] && [ $(date +%s) -lt $end ]; do checks=$((checks+1)); "
                  f"[ -f /opt/{self.app_name}/current/package.json ] || broken=$((broken+1)); sleep 0.02; done; "
                  f"rm -f {self.stop_file}; echo $checks $broken")
        code, output = remote(self.lab, address, script, timeout=self.max_seconds + 60)
        checks, broken = output.split()[-2:]
        self.results[name] = (int(checks), int(broken))

    def __enter__(self) -> "CurrentWatch":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        for address in self.targets.values():
            remote(self.lab, address, f"touch {self.stop_file}")
        for thread in self._threads:
            thread.join(timeout=60)


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def current_link(lab: LabInventory, address: str, app_name: str) -> tuple[str, bool]:
    """(where /opt/<app>/current points, whether that is an existing release folder)."""
    code, output = remote(lab, address, f"readlink /opt/{app_name}/current; "
                                        f"test -f /opt/{app_name}/current/package.json && echo VALID")
    lines = output.split()
    return (lines[0] if lines else ""), code == 0 and "VALID" in lines


class DeployProcess:
    """`fleetctl deploy` as a child process whose progress lines (stderr) we watch."""

    def __init__(self, *args: str):
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fleetctl", *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1,
        )
        self._stdout: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._stdout_reader = threading.Thread(target=lambda: self._stdout.append(self.process.stdout.read()),
                                               daemon=True)
        self._stdout_reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, needle: str, timeout: float = 180) -> str:
        """Block until a progress line contains needle; return it."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            while seen < len(self.lines):
                line = self.lines[seen]
                seen += 1
                if needle in line:
                    return line
            if self.process.poll() is not None and not self._reader.is_alive() and seen >= len(self.lines):
                break
            time.sleep(0.01)
        raise AssertionError(f"deploy never printed {needle!r}; its output:\n" + "\n".join(self.lines))

    def kill(self) -> None:
        """SIGKILL: no cleanup, no lock release, SSH connections cut mid-step."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def wait(self, timeout: float = 600) -> int:
        code = self.process.wait(timeout=timeout)
        # Both streams are read to their end: the JSON on stdout may come after the process exits.
        self._reader.join(timeout=10)
        self._stdout_reader.join(timeout=10)
        return code

    @property
    def stdout(self) -> str:
        return "".join(self._stdout)


@dataclass
class HostLoad:
    ok: int = 0
    failed: int = 0
    errors: Counter = field(default_factory=Counter)
    versions: Counter = field(default_factory=Counter)
    last_version: str | None = None
    stale_retries: int = 0  # idempotent requests sent again after the server closed an idle keep-alive
    slowest_ok: float = 0.0  # seconds: the longest a successful request took (a restart's wait shows here)


class LoadGenerator:
    """Constant HTTP load on each host: per host one keep-alive client and one client opening a
    new connection per request. Bounded: at most max_requests per host, and max_seconds."""

    def __init__(self, targets: dict[str, tuple[str, int]], pause: float = 0.02, max_requests: int = 20000,
                 max_seconds: float = 300, timeout: float = 10, pauses: dict[str, float] | None = None,
                 retry_stale_keep_alive: bool = False):
        self.retry_stale_keep_alive = retry_stale_keep_alive
        self.targets = targets
        self.pauses = pauses or {}  # per host, instead of pause
        self.pause, self.max_requests, self.max_seconds, self.timeout = pause, max_requests, max_seconds, timeout
        self.stats = {host: HostLoad() for host in targets}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(host, keep_alive), daemon=True)
                         for host in targets for keep_alive in (True, False)]

    def __enter__(self) -> "LoadGenerator":
        self._started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def _count(self, host: str, ok: bool, detail: str, seconds: float = 0.0) -> None:
        with self._lock:
            stats = self.stats[host]
            if ok:
                stats.ok += 1
                stats.slowest_ok = max(stats.slowest_ok, seconds)
                stats.versions[detail] += 1
                stats.last_version = detail
            else:
                stats.failed += 1
                stats.errors[detail] += 1

    def _client(self, host: str, keep_alive: bool) -> None:
        address, port = self.targets[host]
        connection = None
        reused = False
        while not self._stop.is_set() and time.monotonic() - self._started < self.max_seconds:
            if self.stats[host].ok + self.stats[host].failed >= self.max_requests:
                break
            if connection is None:
                connection = http.client.HTTPConnection(address, port, timeout=self.timeout)
                reused = False
            started = time.monotonic()
            try:
                try:
                    response, body = self._get(connection)
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if not (reused and self.retry_stale_keep_alive):
                        raise
                    # The server closed this idle keep-alive connection as the request went out: RFC 9112
                    # 9.3.1 lets a client send an idempotent request again on a new connection (browsers,
                    # Go and urllib3 do). Counted apart; the request fails if this second attempt fails.
                    with self._lock:
                        self.stats[host].stale_retries += 1
                    connection.close()
                    connection = http.client.HTTPConnection(address, port, timeout=self.timeout)
                    response, body = self._get(connection)
                reused = True
                if response.status == 200 and body.startswith("hello from "):
                    self._count(host, True, body.split()[2], time.monotonic() - started)
                else:
                    self._count(host, False, f"HTTP {response.status}")
                if response.will_close or not keep_alive:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as error:
                self._count(host, False, type(error).__name__)
                connection.close()
                connection = None
            time.sleep(self.pauses.get(host, self.pause))
        if connection is not None:
            connection.close()

    @staticmethod
    def _get(connection: http.client.HTTPConnection) -> tuple[http.client.HTTPResponse, str]:
        connection.request("GET", "/")
        response = connection.getresponse()
        return response, response.read().decode(errors="replace")

    def report(self) -> str:
        lines = []
        for host, stats in self.stats.items():
            errors = ", ".join(f"{name} x{count}" for name, count in stats.errors.most_common()) or "-"
            versions = ", ".join(f"{name} x{count}" for name, count in sorted(stats.versions.items()))
            retries = f", {stats.stale_retries} sent again after a closed keep-alive" if stats.stale_retries else ""
            lines.append(f"{host}: {stats.ok} ok, {stats.failed} failed ({errors}){retries}; "
                         f"slowest ok {stats.slowest_ok:.2f} s; served versions: {versions}")
        return "\n".join(lines)
