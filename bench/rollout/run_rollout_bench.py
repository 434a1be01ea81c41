"""Rollouts across the lab fleet under constant load sent straight to each host: failed requests, the
slowest request and each host's time, with the socket unit (the default) and without it.

    .venv/bin/python bench/rollout/run_rollout_bench.py [--rounds 2] [--serial 1] [--json results.json]

Brings the lab up (`fleetctl lab up`: one host per persona, server, vm, container, pi) and deploys
two copies of the example app, each under its own name and port so the lab's `hello` is left alone:

- socket: `bench-rollout` on port 3300, as fleetctl deploys by default: systemd's socket unit
  `fleet-bench-rollout.socket` holds the port and the app's listen(PORT) takes it;
- no socket: `bench-rollout-bare` on port 3301 with `fleet_app_socket: false`: the app binds its
  port itself, as fleetctl did before it had socket units.

Each round rolls out, for each variant (the variants taking turns, their order swapped every
round), two changes while every host gets constant HTTP load on that variant's port, with no load
balancer: a new release (a new package.json version: clustered hosts reload, single-mode hosts
restart), then a changed `fleet_app_env` value (every host restarts). The load, per host: one
client on a keep-alive connection and one opening a new connection per request, each pausing
20 ms between requests (50 ms on the emulated pi), waiting up to 180 s for an answer (node alone
can take a minute to start on the emulated pi when the machine is busy). A request fails when it
is refused, reset, times out or does not answer 200 "hello from".

Printed per host, variant and change: the requests and failed requests summed over the rounds, the
slowest successful request (the longest wait) and the median of fleetctl's seconds for the host
(lock to health gate passed); then the load average.
"""

import argparse
import http.client
import json
import os
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
PERSONAS = ("server", "vm", "container", "pi")
VARIANTS = {"socket": ("bench-rollout", 3300, True), "no socket": ("bench-rollout-bare", 3301, False)}
CHANGES = ("new release", "env changed")


def fleetctl(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fleetctl", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def set_version(app: Path, version: str) -> None:
    package = json.loads((app / "package.json").read_text())
    package["version"] = version
    (app / "package.json").write_text(json.dumps(package, indent=2) + "\n")


def write_inventory(folder: Path, app: Path, variant: str, serial, greeting: str) -> Path:
    name, port, socket = VARIANTS[variant]
    data = yaml.safe_load(LAB_INVENTORY.read_text())
    for group in list(data["all"]["children"]):
        if group not in PERSONAS:
            del data["all"]["children"][group]
    for body in data["all"]["children"].values():
        (body.get("vars") or {}).pop("fleet_build_host", None)
    data["all"]["vars"].update({"fleet_app_name": name, "fleet_app_port": port, "fleet_app_src": str(app),
                                "fleet_app_socket": socket, "fleet_serial": serial, "fleet_health_timeout": 90,
                                "fleet_health_retries": 15, "fleet_app_env": {"GREETING": greeting}})
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@dataclass
class HostLoad:
    ok: int = 0
    failed: int = 0
    slowest_ok: float = 0.0
    errors: Counter = field(default_factory=Counter)


class Load:
    """Per host, a keep-alive client and a new-connection client, until stopped."""

    def __init__(self, targets: dict[str, str], port: int, pauses: dict[str, float]):
        self.targets, self.port, self.pauses = targets, port, pauses
        self.stats = {host: HostLoad() for host in targets}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(host, keep_alive), daemon=True)
                        for host in targets for keep_alive in (True, False)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=190)

    def client(self, host: str, keep_alive: bool) -> None:
        connection = None
        while not self.stop.is_set():
            if connection is None:
                connection = http.client.HTTPConnection(self.targets[host], self.port, timeout=180)
            started = time.monotonic()
            try:
                connection.request("GET", "/")
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and body.startswith(b"hello from ")
                error = None if ok else f"HTTP {response.status}"
                if response.will_close or not keep_alive:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exception:
                ok, error = False, type(exception).__name__
                connection.close()
                connection = None
            with self.lock:
                stats = self.stats[host]
                if ok:
                    stats.ok += 1
                    stats.slowest_ok = max(stats.slowest_ok, time.monotonic() - started)
                else:
                    stats.failed += 1
                    stats.errors[error] += 1
            time.sleep(self.pauses[host])


def deploy_under_load(inventory: Path, targets: dict[str, str], port: int, pauses: dict[str, float]) -> dict:
    with Load(targets, port, pauses) as load:
        time.sleep(2)  # load established first
        started = time.monotonic()
        done = fleetctl("deploy", str(inventory), "--json")
        seconds = time.monotonic() - started
        time.sleep(1)
    try:
        document = json.loads(done.stdout)
    except ValueError:
        sys.exit(f"fleetctl deploy failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    if done.returncode != 0 or not document["ok"]:
        sys.exit(f"the rollout failed: {json.dumps(document, indent=2)}\n{done.stderr[-3000:]}")
    rows = {row["host"]: row for row in document["hosts"]}
    return {"total_s": round(seconds, 1), "hosts": {host: {
        "ok": stats.ok, "failed": stats.failed, "errors": dict(stats.errors),
        "slowest_ok_s": round(stats.slowest_ok, 2), "seconds": rows[host]["seconds"], "mode": rows[host]["mode"],
        "activation": rows[host]["activation"],
    } for host, stats in load.stats.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of both variants (default 2)")
    parser.add_argument("--serial", default="1", help="fleet_serial for the rollouts: N or N%% (default 1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    serial = int(options.serial) if options.serial.isdigit() else options.serial

    up = fleetctl("lab", "up")
    if up.returncode != 0:
        sys.exit(f"fleetctl lab up failed:\n{up.stderr}")
    lab = yaml.safe_load(LAB_INVENTORY.read_text())["all"]["children"]
    targets = {name: host["ansible_host"] for persona in PERSONAS for name, host in lab[persona]["hosts"].items()}
    pi_hosts = set(lab["pi"]["hosts"])
    pauses = {host: 0.05 if host in pi_hosts else 0.02 for host in targets}
    work = Path(tempfile.mkdtemp(prefix="rollout-bench-"))
    apps = {}
    for variant in VARIANTS:
        apps[variant] = work / VARIANTS[variant][0]
        shutil.copytree(EXAMPLE_APP, apps[variant])
    tag = time.strftime("%Y%m%d%H%M%S")
    for variant, app in apps.items():  # the first release of each (or a new one on a host that has an older)
        set_version(app, f"0.0.0-{tag}")
        done = fleetctl("deploy", str(write_inventory(work, app, variant, "100%", "round 0")), "--json")
        if done.returncode != 0:
            sys.exit(f"the first deploy of {variant} failed:\n{done.stdout}\n{done.stderr[-3000:]}")

    results = {variant: {change: [] for change in CHANGES} for variant in VARIANTS}
    for number in range(1, options.rounds + 1):
        order = list(VARIANTS) if number % 2 else list(reversed(VARIANTS))
        for variant in order:
            app, port = apps[variant], VARIANTS[variant][1]
            set_version(app, f"1.0.{number}-{tag}")
            # The environment as the round before left it: only the release changes.
            release = deploy_under_load(write_inventory(work, app, variant, serial, f"round {number - 1}"),
                                        targets, port, pauses)
            changed = deploy_under_load(write_inventory(work, app, variant, serial, f"round {number}"),
                                        targets, port, pauses)
            for change, run in zip(CHANGES, (release, changed)):
                results[variant][change].append(run)
                failed = sum(host["failed"] for host in run["hosts"].values())
                print(f"round {number}, {variant}, {change}: {run['total_s']} s, {failed} failed", file=sys.stderr)

    print(f"\nrollouts under load straight to each host, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.machine()}, {os.cpu_count()} CPUs; fleet_serial {serial}, {options.rounds} rounds per variant\n")
    print("| host | mode | change | variant | activation | requests | failed | slowest ok s | host s (median) |")
    print("| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: |")
    for host in targets:
        for change in CHANGES:
            for variant in VARIANTS:
                runs = [run["hosts"][host] for run in results[variant][change]]
                requests = sum(run["ok"] + run["failed"] for run in runs)
                failed = sum(run["failed"] for run in runs)
                errors = Counter()
                for run in runs:
                    errors.update(run["errors"])
                detail = f" ({', '.join(f'{name} x{count}' for name, count in errors.most_common())})" if errors else ""
                print(f"| {host} | {runs[0]['mode']} | {change} | {variant} | {runs[0]['activation']} | {requests} |"
                      f" {failed}{detail} | {max(run['slowest_ok_s'] for run in runs):.2f} |"
                      f" {statistics.median(run['seconds'] for run in runs):.1f} |")
    print(f"\nload average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    if options.json:
        options.json.write_text(json.dumps({"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                            "serial": serial, "results": results,
                                            "loadavg_after": os.getloadavg()}, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
