"""`fleetctl logs` and `fleetctl exec` on the lab over real SSH: a deployed app's journal merged across hosts,
followed across a host's restart with no line repeated or lost, and ad-hoc commands with quoting a shell would
break on, --shell, --become, a failing host and an unreachable one.

Two app hosts (the server, clustered, and the container, single process), never the emulated pi; the lb host
is in the inventory without an app.
"""

import json
import subprocess
import sys
import threading
import time
import uuid

import pytest
import yaml
from conftest import REPO, fleetctl
from deploy_helpers import deploy, host_names, http_get, make_app, run, wipe_app, write_inventory

APP, PORT = "t-logs", 3216
RUN = uuid.uuid4().hex[:8]  # in every request's path: the journals keep the lines of earlier runs
PERSONAS = ("server", "container")
LIMIT = ",".join(PERSONAS)

# The example app, and a line in the journal for each request: its path.
LOGGING_SERVER_JS = """'use strict';
const http = require('node:http');
const { version } = require('./package.json');
http.createServer((request, response) => {
  console.log(`request ${request.url}`);
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(request.url === '/healthz' ? JSON.stringify({ status: 'ok', version }) : `hello from ${version}\\n`);
}).listen(Number(process.env.PORT || 3000));
"""


@pytest.fixture(scope="module")
def setup(lab, tmp_path_factory):
    wipe_app(lab, APP, PERSONAS)
    folder = tmp_path_factory.mktemp("logs")
    app = make_app(folder / "app", "1.0.0")
    (app / "server.js").write_text(LOGGING_SERVER_JS)
    inventory = write_inventory(lab, folder / "inventory.yaml", APP, PORT, app, personas=(*PERSONAS, "lb"))
    data = yaml.safe_load(inventory.read_text())
    data["all"]["children"]["lb"]["vars"] = {"fleet_app_name": None}  # no app, and no role to deploy there
    inventory.write_text(yaml.safe_dump(data, sort_keys=False))
    deployed = deploy(inventory, "--limit", LIMIT)
    assert deployed.returncode == 0, deployed.stderr + deployed.stdout
    names = host_names(lab, PERSONAS)
    return inventory, names, {names[persona]: lab.hosts(persona)[names[persona]] for persona in PERSONAS}


def request(address: str, path: str) -> None:
    status, _ = http_get(address, PORT, path)
    assert status == 200


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


# --- logs -----------------------------------------------------------------------------------------------------


def test_logs_merges_the_hosts_journals_in_time_order_each_line_with_its_host(setup, lab):
    inventory, names, addresses = setup
    hosts = [names["server"], names["container"]] * 4
    for number, host in enumerate(hosts):
        request(addresses[host], f"/{RUN}/merge-{number}")
        time.sleep(0.25)  # well apart: journald stamps a line when it reads it
    done = run("logs", str(inventory), "--json", "--grep", f"/{RUN}/merge-")
    assert done.returncode == 0, done.stderr
    lines = json_lines(done.stdout)
    assert [(line["host"], line["message"]) for line in lines] == [
        (host, f"request /{RUN}/merge-{number}") for number, host in enumerate(hosts)]
    assert [line["time"] for line in lines] == sorted(line["time"] for line in lines)
    lb = next(iter(lab.hosts("lb")))
    assert f"{lb}: no app (fleet_app_name): skipped" in done.stderr.splitlines()

    text = run("logs", str(inventory), "--limit", LIMIT, "--grep", f"/{RUN}/merge-", "-n", "2")
    assert text.returncode == 0, text.stderr
    width = max(map(len, names.values()))
    # The last 2 of each host, merged; each line `host | date time identifier[pid]: message`.
    assert [(line[:width].rstrip(), line.split(": ", 1)[1]) for line in text.stdout.splitlines()] == [
        (host, f"request /{RUN}/merge-{number}") for number, host in list(enumerate(hosts))[-4:]]
    assert all(line[width:].startswith(" | ") for line in text.stdout.splitlines())


def test_logs_since_reads_from_that_instant_on_every_host(setup):
    inventory, names, addresses = setup
    request(addresses[names["server"]], "/since-before")
    time.sleep(1.1)
    since = int(time.time())
    time.sleep(1.1)  # --since has whole seconds
    request(addresses[names["container"]], "/since-after")
    done = run("logs", str(inventory), "--limit", LIMIT, "--json", "--since", f"@{since}", "--grep", "/since-")
    assert done.returncode == 0, done.stderr
    assert [line["message"] for line in json_lines(done.stdout)] == ["request /since-after"]


class Follower:
    """`fleetctl logs --follow --json` as a child process, its stdout and stderr lines read as they come."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen([sys.executable, "-m", "fleetctl", "logs", *args, "--follow", "--json"],
                                        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    def messages(self) -> list[str]:
        return [json.loads(line)["message"] for line in list(self.stdout)]

    def wait_for(self, found, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found():
                return
            assert self.process.poll() is None, f"the follow ended: {self.stderr}"
            time.sleep(0.1)
        raise AssertionError(f"no {what} within {timeout}s; stdout: {self.stdout}\nstderr: {self.stderr}")

    def stop(self) -> int:
        self.process.terminate()
        code = self.process.wait(timeout=30)
        for reader in self._readers:
            reader.join(timeout=10)
        return code


def test_follow_resumes_after_a_host_restarts_without_repeating_or_losing_a_line(setup, lab):
    inventory, names, addresses = setup
    server, container = names["server"], names["container"]
    since = int(time.time()) - 1
    follower = Follower(str(inventory), "--limit", LIMIT, "--since", f"@{since}")
    try:
        for host in (server, container, server):
            request(addresses[host], f"/follow-before-{host}")
        follower.wait_for(lambda: sum("/follow-before-" in message for message in follower.messages()) == 3,
                          "lines before the restart")
        restarted = subprocess.run(["docker", "restart", "-t", "1", server], capture_output=True, text=True)
        assert restarted.returncode == 0, restarted.stderr
        request(addresses[container], "/follow-while-down")  # the other host goes on
        follower.wait_for(lambda: any(line.startswith(f"{server}: connection lost") for line in follower.stderr),
                          "word of the lost connection")
        assert fleetctl("lab", "up", check=False).returncode == 0
        wait_until_serving(addresses[server])  # its service starts at boot: its lines are written before we are back
        for host in (server, container):
            request(addresses[host], f"/follow-after-{host}")
        follower.wait_for(lambda: sum("/follow-after-" in message for message in follower.messages()) == 2,
                          "lines after the restart")
        assert any(line == f"{server}: back; resuming after the last line shown" for line in follower.stderr)
    finally:
        code = follower.stop()
    assert code == 0, follower.stderr
    followed = [json.loads(line) for line in follower.stdout]
    cursors = [line["cursor"] for line in followed]
    assert len(cursors) == len(set(cursors)), "a line was printed twice"
    # Everything the hosts' journals have since then, read once the follow is over, is what it printed.
    batch = run("logs", str(inventory), "--limit", LIMIT, "--json", "--since", f"@{since}")
    assert batch.returncode == 0, batch.stderr
    assert sorted(cursors) == sorted(line["cursor"] for line in json_lines(batch.stdout))
    messages = [line["message"] for line in followed if line["host"] == server]
    # The server's own lines from its stop and its boot came through: the ones written while it was away too.
    assert any("stopping (SIGTERM)" in message for message in messages), messages
    boot = next(index for index, message in enumerate(messages) if message.startswith("Started "))
    assert messages.index(f"request /follow-after-{server}") > boot
    deadline = time.monotonic() + 10  # the hosts end each follow's journalctl when its channel closes
    while lab_journalctl_left(lab, addresses) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert lab_journalctl_left(lab, addresses) == []


def wait_until_serving(address: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if http_get(address, PORT, "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{address}:{PORT} never served after the restart")


def lab_journalctl_left(lab, addresses: dict[str, str]) -> list[str]:
    """journalctl processes still running on the hosts (a follow that ended must leave none)."""
    left = []
    for address in addresses.values():
        client = lab.ssh_client(address)
        try:
            _, stdout, _ = client.exec_command("pgrep -a journalctl || true", timeout=30)
            left += [line for line in stdout.read().decode().splitlines() if line.strip()]
        finally:
            client.close()
    return left


# --- exec -----------------------------------------------------------------------------------------------------

AWKWARD = ["a b", "it's", '"double"', "$HOME", "a;b", "$(touch /tmp/t16-pwned)", "`touch /tmp/t16-pwned`",
           "; touch /tmp/t16-pwned", "*", "", "-n"]


def exec_json(inventory, *args: str) -> tuple[int, dict[str, dict]]:
    done = run("exec", str(inventory), "--json", *args)
    return done.returncode, {row["host"]: row for row in json.loads(done.stdout)["hosts"]}


def test_exec_passes_every_argument_as_typed_and_runs_nothing_in_them(setup):
    inventory, names, _ = setup
    code, rows = exec_json(inventory, "--limit", LIMIT, "--", "printf", "[%s]\\n", *AWKWARD)
    assert code == 0
    assert {host: row["stdout"] for host, row in rows.items()} == {
        host: "".join(f"[{word}]\n" for word in AWKWARD) for host in names.values()}
    code, rows = exec_json(inventory, "--limit", LIMIT, "--", "ls", "/tmp/t16-pwned")
    assert code == 1 and {row["exit_code"] for row in rows.values()} == {2}  # nothing made it


def test_exec_shell_runs_one_string_by_sh_and_become_runs_as_root(setup):
    inventory, names, _ = setup
    code, rows = exec_json(inventory, "--limit", LIMIT, "--shell", "--", "echo $((6 * 7)) | tr 4 X; id -un")
    assert code == 0 and {row["stdout"] for row in rows.values()} == {"X2\ndeploy\n"}
    code, rows = exec_json(inventory, "--limit", LIMIT, "--become", "--", "id", "-un")
    assert code == 0 and {row["stdout"] for row in rows.values()} == {"root\n"}


def test_exec_reports_a_failing_host_and_an_unreachable_one_and_exits_1(setup, lab, tmp_path):
    inventory, names, addresses = setup
    data = yaml.safe_load(inventory.read_text())
    # An inventory host whose SSH port nothing listens on.
    data["all"]["children"]["server"]["hosts"]["t16-down"] = {"ansible_host": addresses[names["server"]],
                                                               "ansible_port": 2}
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False))
    fails_on_container = 'case "$(hostname)" in *container*) echo no >&2; exit 5;; esac; echo yes'
    done = run("exec", str(broken), "--limit", f"{LIMIT},t16-down", "--shell", "--", fails_on_container)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    server, container = names["server"], names["container"]
    assert f"t16-down | unreachable | t16-down: connection refused at {addresses[server]}:2" in lines
    assert lines[lines.index(next(line for line in lines if line.startswith(f"{container} | failed | exit 5 | ")))
                 + 1] == "no"
    assert lines[lines.index(next(line for line in lines if line.startswith(f"{server} | ok | exit 0 | "))) + 1] \
        == "yes"
    summary = lines[lines.index("") + 1:]
    assert [line.split()[:3] for line in summary] == [["exit", "0", "1"], ["exit", "5", "1"], ["unreachable", "1",
                                                                                              "t16-down"]]
    code, rows = exec_json(broken, "--limit", f"{LIMIT},t16-down", "--shell", "--", fails_on_container)
    assert code == 1
    assert {host: (row["result"], row["exit_code"]) for host, row in rows.items()} == {
        server: ("ok", 0), container: ("failed", 5), "t16-down": ("unreachable", None)}
