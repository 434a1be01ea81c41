"""A rollout through the nginx-lb load balancer under constant load, with and without its drain hooks.

    .venv/bin/python bench/lb/run_lb_bench.py [--rounds 2] [--work-ms 100] [--clients 2] [--json results.json]

Brings the default lab up (`fleetctl lab up`: server, vm, container, pi and the
lb host), deploys a copy of the example app under its own name (bench-lb, port
3500) behind its own nginx site (nginx_lb_name bench, port 8500), then rolls
out a new release (one host at a time, fleet_serial 1) while clients load the
load balancer, once per variant and round, the variants taking turns:

- drain: the nginx-lb role as shipped: each backend is marked down and nginx
  reloaded before its switch, and put back after its health gate;
- no drain: the same role without its two drain hooks (a copy of it in the
  inventory's roles/ folder, which wins over the built-in one); the same nginx
  configuration, so nginx's own retry of a failed GET on the next backend
  (proxy_next_upstream error timeout, its default) still applies.

The bench's copy of the app answers each request after --work-ms of waiting (a
timer: the work of a real request without its CPU), so requests are in flight
when a host is switched, as on a real fleet; /healthz answers at once.

Clients, --clients of each kind, all at once, each with a 10 ms pause between requests:
- GET on a keep-alive connection; when the load balancer closed that idle
  connection as the request went out (an nginx reload does), the request is
  sent once more on a new connection, as RFC 9112 9.3.1 allows for an idempotent
  request; these are counted apart ("resent");
- GET on a new connection per request;
- POST on a new connection per request: not idempotent, so neither nginx nor
  a client may send it again; it fails whenever its backend dies under it.

Printed per variant: requests, failed requests (by client), resent GETs, the
latency median / 99th percentile / maximum of the requests sent during the
rollout, and the rollout's wall time.
"""

import argparse
import http.client
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
LAB_INVENTORY = REPO / "inventories" / "lab.yaml"
EXAMPLE_APP = REPO / "fleetctl" / "lab" / "example-app"
BUILT_IN_ROLE = REPO / "roles" / "nginx-lb"
APP, PORT, LB_NAME, LB_PORT = "bench-lb", 3500, "bench", 8500
CLIENTS = ("GET keep-alive", "GET new connection", "POST new connection")
BENCH_SERVER_JS = """'use strict';
// bench/lb's app: the example app, answering after BENCH_WORK_MS (a request's work, as a timer).
const http = require('node:http');
const { version } = require('./package.json');
const work = Number(process.env.BENCH_WORK_MS || 0);
http.createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ok', version }));
    return;
  }
  request.resume();
  setTimeout(() => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(`hello from ${version} (pid ${process.pid})\\n`);
  }, work);
}).listen(Number(process.env.PORT || 3000));
"""


def fleetctl(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fleetctl", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def set_version(app: Path, version: str) -> None:
    package = json.loads((app / "package.json").read_text())
    package["version"] = version
    (app / "package.json").write_text(json.dumps(package, indent=2) + "\n")


def write_inventory(folder: Path, app: Path, drain: bool, work_ms: int) -> Path:
    """The lab inventory with the bench's app and load balancer site; without drain, a copy of the
    nginx-lb role minus its drain hooks sits in the inventory's roles/ folder."""
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(LAB_INVENTORY.read_text())
    data["all"]["vars"].update({"fleet_app_name": APP, "fleet_app_port": PORT, "fleet_app_src": str(app),
                                "fleet_serial": 1, "fleet_health_timeout": 90, "fleet_health_retries": 15,
                                "fleet_app_env": {"BENCH_WORK_MS": work_ms}})
    data["all"]["children"]["lb"]["vars"].update({"nginx_lb_name": LB_NAME, "nginx_lb_port": LB_PORT})
    role = folder / "roles" / "nginx-lb"
    if not drain:
        shutil.copytree(BUILT_IN_ROLE, role, dirs_exist_ok=True)
        hooks = yaml.safe_load((role / "hooks.yaml").read_text())
        (role / "hooks.yaml").write_text(yaml.safe_dump({"before_host": hooks["before_host"]}, sort_keys=False))
    path = folder / "inventory.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@dataclass
class ClientStats:
    ok: int = 0
    failed: int = 0
    resent: int = 0
    errors: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)


class Load:
    def __init__(self, address: str, port: int, clients: int, pause: float = 0.01):
        self.address, self.port, self.pause = address, port, pause
        self.stats = {name: ClientStats() for name in CLIENTS}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(name,), daemon=True)
                        for name in CLIENTS for _ in range(clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=20)

    def request(self, connection: http.client.HTTPConnection, method: str) -> None:
        connection.request(method, "/", body=b"x" if method == "POST" else None)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200 or not body.startswith(b"hello from "):
            raise RuntimeError(f"HTTP {response.status}")

    def client(self, name: str) -> None:
        method, keep_alive = name.split()[0], name.endswith("keep-alive")
        stats = ClientStats()
        try:
            self.run_client(method, keep_alive, stats)
        finally:
            with self.lock:
                total = self.stats[name]
                total.ok += stats.ok
                total.failed += stats.failed
                total.resent += stats.resent
                total.errors.update(stats.errors)
                total.latencies += stats.latencies

    def run_client(self, method: str, keep_alive: bool, stats: ClientStats) -> None:
        connection, reused = None, False
        while not self.stop.is_set():
            if connection is None:
                connection, reused = http.client.HTTPConnection(self.address, self.port, timeout=30), False
            started = time.monotonic()
            try:
                try:
                    self.request(connection, method)
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if not (keep_alive and reused and method == "GET"):
                        raise
                    stats.resent += 1
                    connection.close()
                    connection = http.client.HTTPConnection(self.address, self.port, timeout=30)
                    self.request(connection, method)
                stats.ok += 1
                reused = True
            except (OSError, http.client.HTTPException, RuntimeError) as error:
                stats.failed += 1
                stats.errors[str(error) if isinstance(error, RuntimeError) else type(error).__name__] += 1
                connection.close()
                connection = None
            stats.latencies.append(time.monotonic() - started)
            if connection is not None and not keep_alive:
                connection.close()
                connection = None
            time.sleep(self.pause)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def rollout_under_load(inventory: Path, app: Path, version: str, lb_address: str, clients: int) -> dict:
    set_version(app, version)
    with Load(lb_address, LB_PORT, clients) as load:
        started = time.monotonic()
        done = fleetctl("deploy", str(inventory), "--json")
        seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"deploy of {version} failed:\n{done.stdout}\n{done.stderr}")
    latencies = [value for stats in load.stats.values() for value in stats.latencies]
    return {
        "version": version, "rollout_s": round(seconds, 1),
        "requests": sum(stats.ok + stats.failed for stats in load.stats.values()),
        "failed": {name: stats.failed for name, stats in load.stats.items()},
        "errors": {name: dict(stats.errors) for name, stats in load.stats.items() if stats.errors},
        "resent": sum(stats.resent for stats in load.stats.values()),
        "p50_ms": round(1000 * percentile(latencies, 0.5), 1),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
        "max_ms": round(1000 * max(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work-ms", type=int, default=100, help="How long the app takes per request.")
    parser.add_argument("--clients", type=int, default=2, help="Clients of each kind.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    up = fleetctl("lab", "up")
    if up.returncode != 0:
        raise SystemExit(f"fleetctl lab up failed:\n{up.stderr}")
    lb_address = next(iter(yaml.safe_load(LAB_INVENTORY.read_text())["all"]["children"]["lb"]["hosts"].values()))[
        "ansible_host"]
    work = Path(tempfile.mkdtemp(prefix="fleetctl-lb-bench-"))
    app = work / "app"
    shutil.copytree(EXAMPLE_APP, app)
    (app / "server.js").write_text(BENCH_SERVER_JS)
    inventories = {"drain": write_inventory(work / "drain", app, True, args.work_ms),
                   "no drain": write_inventory(work / "no-drain", app, False, args.work_ms)}
    set_version(app, "1.0.0")
    first = fleetctl("deploy", str(inventories["drain"]), "--json")
    if first.returncode != 0:
        raise SystemExit(f"first deploy failed:\n{first.stdout}\n{first.stderr}")
    runs = []
    for round_number in range(args.rounds):
        order = ["drain", "no drain"] if round_number % 2 == 0 else ["no drain", "drain"]
        for variant in order:
            result = rollout_under_load(inventories[variant], app, f"1.{round_number + 1}.{len(runs)}", lb_address,
                                        args.clients)
            result["variant"] = variant
            runs.append(result)
            print(f"round {round_number + 1}, {variant}: {json.dumps(result)}", flush=True)
    print(f"\nfleetctl nginx-lb rollout benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.machine()}, lab hosts server, vm, container, pi behind lb; {args.rounds} rounds, "
          f"{args.clients} clients of each kind, {args.work_ms} ms per request\n")
    print("| variant | round | requests | failed GET keep-alive | failed GET new conn | failed POST | resent GET |"
          " p50 ms | p99 ms | max ms | rollout s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for index, run in enumerate(runs):
        failed = [run["failed"][name] for name in CLIENTS]
        print(f"| {run['variant']} | {index // 2 + 1} | {run['requests']} | {failed[0]} | {failed[1]} | {failed[2]} |"
              f" {run['resent']} | {run['p50_ms']} | {run['p99_ms']} | {run['max_ms']} | {run['rollout_s']} |")
    for variant in ("drain", "no drain"):
        mine = [run for run in runs if run["variant"] == variant]
        failed = sum(sum(run["failed"].values()) for run in mine)
        print(f"\n{variant}: {failed} failed of {sum(run['requests'] for run in mine)} requests; "
              f"median p99 {statistics.median(run['p99_ms'] for run in mine):.1f} ms; errors: "
              f"{[run['errors'] for run in mine if run['errors']] or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
