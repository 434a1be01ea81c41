"""Issue 15 on the lab: a rollout's safety nets on a clustered host (server) and a single-process one
(container), one host per batch: the bake stops a release that crashes after its health gate, --step asks
before each batch on a terminal; plan --detailed-exitcode, and its diff of every file (secrets masked); the
unit's timeouts and the runtime's agree; the rollout's own hooks (a webhook told of a failure, a gate).

The tests build on each other's releases, in file order; the module's fixture removes its app from the hosts
and deploys 1.0.0 first, so the module passes alone as in the whole suite.
"""

import http.server
import json
import os
import pty
import subprocess
import sys
import threading
import time

import pytest
import yaml
from conftest import REPO
from deploy_helpers import (
    addresses, current_link, deploy, host_names, http_get, make_app, remote, run, served_versions, set_version,
    wipe_app, write_inventory,
)

APP = "t-safe"
PORT = 3205
PERSONAS = ("server", "container")

# A release that passes its health gate, then crashes: each process 10 s after it first answered /healthz
# (not 10 s after it started, which a loaded machine can make longer than its health gate takes).
CRASHING_LATER_JS = """'use strict';
const http = require('node:http');
const { version } = require('./package.json');
let crashing = null;
http.createServer((request, response) => {
  if (request.url === '/healthz' && crashing === null) {
    crashing = setTimeout(() => { console.error('crashing on purpose'); process.exit(1); }, 10000);
  }
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(request.url === '/healthz' ? 'ok\\n' : `hello from ${version} (pid ${process.pid})\\n`);
}).listen(Number(process.env.PORT || 3000));
"""


@pytest.fixture(scope="module")
def names(lab):
    return host_names(lab, PERSONAS)


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("safe") / "app", "1.0.0")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("safe-inv")


def inventory(lab, folder, src, name, **variables):
    """This module's app on server and container, one host per batch, with extra all-level variables."""
    return write_inventory(lab, folder / f"{name}.yaml", APP, PORT, src, personas=PERSONAS,
                           all_vars={"fleet_serial": 1, "fleet_health_timeout": 30, "fleet_health_retries": 5,
                                     **variables})


@pytest.fixture(scope="module")
def release_1(lab, folder, src, names):
    wipe_app(lab, APP, PERSONAS)
    result = deploy(inventory(lab, folder, src, "first", fleet_serial="100%"))
    assert result.returncode == 0, result.stderr
    return result.hosts()[names["server"]]["to"]


def current_releases(lab) -> dict[str, str]:
    """host -> the release its `current` points at."""
    return {name: current_link(lab, address, APP)[0] for name, address in addresses(lab, PERSONAS).items()}


def everywhere(lab, version):
    return {name: version for name in addresses(lab, PERSONAS)}


def test_a_release_crashing_after_its_health_gate_fails_the_bake_and_never_reaches_the_second_batch(
        lab, folder, src, names, release_1):
    set_version(src, "2.0.0")
    (src / "server.js").write_text(CRASHING_LATER_JS)
    baked = inventory(lab, folder, src, "baked", fleet_bake_seconds=25)
    result = deploy(baked)
    assert result.returncode == 1, result.stderr
    document = result.document
    [row] = document["hosts"]
    assert (row["host"], row["result"], row["from"]) == (names["server"], "rolled back", release_1), row
    assert row["detail"].startswith("reloaded; bake failed"), row  # its health gate had passed
    assert f"rolled back to {release_1}, healthy" in row["detail"]
    assert document["not_started"] == [names["container"]]
    assert document["stopped"].startswith("1 of 1 hosts in batch 1 failed")
    assert served_versions(lab, PORT, PERSONAS) == everywhere(lab, "1.0.0")
    code, listing = remote(lab, addresses(lab, PERSONAS)[names["container"]], f"ls /opt/{APP}/releases")
    assert listing.split() == [release_1]  # the second batch never saw the release


class TerminalDeploy:
    """`fleetctl deploy --step` whose standard input is a terminal (a pty), answering its questions."""

    def __init__(self, *args: str):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen([sys.executable, "-m", "fleetctl", "deploy", *args], cwd=REPO,
                                        stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(slave)
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:  # a question ends without a newline: read what comes, as it comes
        while chunk := os.read(self.process.stderr.fileno(), 4096):
            self.stderr += chunk.decode(errors="replace")

    def answer(self, question_number: int, answer: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.stderr.count("go ahead? [y/N]") < question_number:
            assert time.monotonic() < deadline and self.process.poll() is None, self.stderr
            time.sleep(0.1)
        os.write(self.master, f"{answer}\n".encode())

    def wait(self) -> tuple[int, str]:
        stdout = self.process.stdout.read().decode()
        code = self.process.wait(timeout=300)
        self._reader.join(timeout=10)
        os.close(self.master)
        return code, stdout


def test_step_asks_before_each_batch_on_a_terminal_and_stops_where_told(lab, folder, src, names):
    set_version(src, "2.1.0")
    stepped = inventory(lab, folder, src, "stepped", fleet_bake_seconds=4)
    deploying = TerminalDeploy(str(stepped), "--step", "--json")
    deploying.answer(1, "y")
    deploying.answer(2, "n")
    code, stdout = deploying.wait()
    assert code == 1, deploying.stderr
    assert f"batch 1 of 2: {names['server']}; go ahead?" in deploying.stderr
    assert f"batch 2 of 2: {names['container']}; go ahead?" in deploying.stderr
    document = json.loads(stdout)
    [row] = document["hosts"]
    assert (row["host"], row["result"]) == (names["server"], "deployed")
    assert "baked 4 s: " in row["detail"] and "no restart" in row["detail"]  # a good release passes its bake
    assert document["stopped"] == "stopped by the operator before batch 2; 1 hosts not touched"
    assert document["not_started"] == [names["container"]]
    assert served_versions(lab, PORT, PERSONAS) == {names["server"]: "2.1.0", names["container"]: "1.0.0"}


def test_plan_detailed_exitcode_and_a_diff_of_every_file_with_secrets_masked(lab, folder, src, names):
    role = folder / "roles" / "conf"
    (role / "templates").mkdir(parents=True, exist_ok=True)
    (role / "templates" / "conf.j2").write_text("# t-safe\nlevel {{ conf_level }}\n")
    (role / "templates.yaml").write_text('- {src: conf.j2, dest: /etc/t-safe.conf, mode: "0644"}\n')

    def configured(token: str, level: int):
        return inventory(lab, folder, src, "configured", fleet_serial="100%", fleet_roles=["conf"], conf_level=level,
                         fleet_app_env={"API_TOKEN": token, "MODE": "live"})

    pending = run("plan", str(configured("tok-1-secret", 1)), "--detailed-exitcode")
    assert pending.returncode == 2, pending.stderr + pending.stdout  # the release, the env file, the role file
    assert deploy(configured("tok-1-secret", 1)).returncode == 0
    unchanged = run("plan", str(configured("tok-1-secret", 1)), "--detailed-exitcode")
    assert unchanged.returncode == 0, unchanged.stderr + unchanged.stdout
    changed = run("plan", str(configured("tok-2-secret", 2)), "--detailed-exitcode", "--json")
    assert changed.returncode == 2, changed.stderr
    assert "tok-1" not in changed.stdout and "tok-2" not in changed.stdout
    for row in changed.document:
        diffs = {diff["path"]: diff["diff"] for diff in row["deploy"]["diffs"]}
        assert set(diffs) == {f"/etc/fleet/{APP}.env", "/etc/t-safe.conf"}, row["host"]
        env_lines = diffs[f"/etc/fleet/{APP}.env"].splitlines()
        assert "-API_TOKEN=<secret: old value>" in env_lines and "+API_TOKEN=<secret: new value>" in env_lines
        assert " MODE=<secret>" in env_lines
        assert "-level 1" in diffs["/etc/t-safe.conf"].splitlines()
        assert "+level 2" in diffs["/etc/t-safe.conf"].splitlines()
    text = run("plan", str(configured("tok-2-secret", 2)))
    assert "+API_TOKEN=<secret: new value>" in text.stdout and "tok-2" not in text.stdout
    ghost = configured("tok-1-secret", 1)
    data = yaml.safe_load(ghost.read_text())
    data["all"]["children"]["server"]["hosts"]["ghost"] = {"ansible_host": "127.0.0.1", "ansible_port": 1}
    ghost.write_text(yaml.safe_dump(data))
    assert run("plan", str(ghost), "--detailed-exitcode").returncode == 1  # a host failed: whatever else is pending


# A release with a request that never ends: the worker holding it will not stop by itself.
HANGING_JS = """'use strict';
const http = require('node:http');
const { version } = require('./package.json');
http.createServer((request, response) => {
  if (request.url === '/hang') return;  // never answered
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(request.url === '/healthz' ? 'ok\\n' : `hello from ${version} (pid ${process.pid})\\n`);
}).listen(Number(process.env.PORT || 3000));
"""


def test_systemd_and_the_runtime_take_their_timeouts_from_one_setting_each(lab, folder, src, names):
    set_version(src, "2.2.0")
    (src / "server.js").write_text(HANGING_JS)
    timed = inventory(lab, folder, src, "timed", fleet_stop_timeout=10, fleet_reload_timeout=40)
    result = deploy(timed, "--limit", names["server"])
    assert result.returncode == 0, result.stderr
    server = addresses(lab, PERSONAS)[names["server"]]
    unit = f"fleet-{APP}.service"
    # What systemd allows, and what it hands the runtime in its environment (/proc/PID/environ is out of
    # reach here: root lacks ptrace rights in the lab's containers).
    code, shown = remote(lab, server, f"systemctl show {unit} -p TimeoutStopUSec -p TimeoutStartUSec -p Environment")
    words = set(shown.replace("Environment=", "").split())
    assert {"TimeoutStopUSec=10s", "TimeoutStartUSec=40s"} <= words, shown
    assert {"FLEET_STOP_TIMEOUT_MS=5000", "FLEET_RELOAD_TIMEOUT_MS=35000"} <= words, shown
    # A request that never ends holds one worker: at the stop, the runtime kills that worker after its own 5 s,
    # so systemd's 10 s never run out and systemd kills nothing.
    hung = threading.Thread(target=lambda: http_get_ignoring_errors(server, "/hang"), daemon=True)
    hung.start()
    time.sleep(1)
    code, journal = remote(lab, server, f"since=$(date +%s); systemctl restart {unit};"
                                        f" echo took $(( $(date +%s) - since ));"
                                        f" systemctl show -p Result --value {unit};"
                                        f" journalctl -u {unit} --since=@$since --no-pager -o cat", timeout=120)
    assert code == 0, journal
    assert "still running after 5000 ms, killing it" in journal, journal
    # systemd's own words had it run out of time: "State 'stop-sigterm' timed out. Killing." and
    # "Killing process N (node) with signal SIGKILL."
    assert "timed out" not in journal and "Killing process" not in journal, journal
    took = int(journal.split("took ")[1].split()[0])
    assert 4 <= took < 10, journal
    assert journal.split("took ")[1].split()[1] == "success", journal
    hung.join(timeout=30)


def http_get_ignoring_errors(address: str, path: str) -> None:
    try:
        http_get(address, PORT, path, timeout=30)
    except OSError:
        pass  # the worker holding it was killed


class Webhook:
    """An HTTP endpoint on loopback that keeps what is POSTed to it (the README's webhook, for real)."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, self.headers["Content-Type"], json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/deploys"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_the_rollouts_hooks_notify_a_webhook_of_a_failure_and_a_gate_refuses_a_rollout(lab, folder, src, names,
                                                                                      tmp_path):
    webhook = Webhook()
    freeze = tmp_path / "freeze"
    try:
        hooked = inventory(lab, folder, src, "hooked", fleet_health_timeout=20, fleet_health_retries=2,
                           fleet_rollout_hooks={
                               "before_rollout": [f"test ! -e {freeze} || {{ echo change freeze >&2; exit 1; }}"],
                               "on_rollout_failure": [f"curl -fsS -X POST -H 'Content-Type: application/json' "
                                                      f"--data-binary @- {webhook.url}"],
                               "after_rollout": [f"cat > {tmp_path}/after.json"]})
        before = current_releases(lab)
        set_version(src, "2.3.0", fail_on="*")
        failed = deploy(hooked)
        assert failed.returncode == 1 and failed.document["rollout_hooks_failed"] == [], failed.stderr
        [(path, content_type, document)] = webhook.received
        assert (path, content_type) == ("/deploys", "application/json")
        assert (document["point"], document["outcome"], document["command"]) == (
            "on_rollout_failure", "failed", "deploy")
        assert document["releases"] == [failed.document["hosts"][0]["to"]]
        assert document["hosts"] == failed.document["hosts"]  # what deploy --json says, rows and all
        assert [(row["host"], row["result"]) for row in document["hosts"]] == [(names["server"], "rolled back")], \
            document["hosts"]
        assert document["not_started"] == [names["container"]] and document["stopped"].startswith("1 of 1 hosts")
        after = json.loads((tmp_path / "after.json").read_text())
        assert (after["point"], after["outcome"], after["hosts"]) == ("after_rollout", "failed", document["hosts"])
        freeze.touch()
        set_version(src, "2.3.1")
        refused = deploy(hooked)
        assert refused.returncode == 1
        assert refused.document["stopped"].endswith("failed: change freeze; no host was changed")
        assert refused.document["hosts"] == [] and len(webhook.received) == 2
        assert webhook.received[1][2]["outcome"] == "failed"
        assert current_releases(lab) == before
    finally:
        webhook.close()
