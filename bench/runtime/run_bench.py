#!/usr/bin/env python3
"""Benchmark the fleet cluster runtime against a single process and PM2 cluster mode.

One CPU-bound HTTP app (app.js), load from autocannon on 127.0.0.1 only:

  1. req/s, p99 latency and errors for: the app as a single process; the
     runtime with 2 workers, rr; with 2 workers, none; PM2 cluster mode with
     2 instances. Configurations are measured in interleaved rounds and the
     median round is reported, so a burst of other load on the machine skews
     one round of every configuration rather than one configuration.
  2. Failed requests during N consecutive reloads under constant load, for the
     runtime (`--reload`) and for `pm2 reload`.

Usage: python3 bench/runtime/run_bench.py [--rounds 5] [--duration 8] [--reloads 10]
Installs autocannon and PM2 into bench/runtime/node_modules (npm) if missing.
Needs only the Python standard library and node/npm on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RUNTIME_FILE = REPO / "fleetctl" / "runtime" / "node-cluster-runtime.js"
APP = HERE / "app.js"
NODE = shutil.which("node") or "/usr/bin/node"
PM2 = HERE / "node_modules" / ".bin" / "pm2"
WORKERS = 2


def ensure_node_modules() -> None:
    if (HERE / "node_modules" / "autocannon").is_dir() and PM2.exists():
        return
    print("installing autocannon and pm2 (npm install in bench/runtime)...", file=sys.stderr)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing served on port {port} within {timeout}s")


def process_tree(root: int) -> list[int]:
    """root and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the contenders

class SingleProcess:
    name = "single process (`node app.js`)"

    def start(self, port: int, env: dict) -> None:
        self.process = subprocess.Popen([NODE, str(APP)], env={**env, "PORT": str(port)})

    def root_pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


class FleetRuntime:
    def __init__(self, policy: str):
        self.policy = policy
        self.name = f"fleet runtime, {WORKERS} workers, {policy}"

    def start(self, port: int, env: dict) -> None:
        self.state_dir = tempfile.mkdtemp(prefix="fleet-bench-state-")
        self.env = {
            **env,
            "PORT": str(port),
            "FLEET_WORKERS": str(WORKERS),
            "NODE_CLUSTER_SCHED_POLICY": self.policy,
            "FLEET_STATE_DIR": self.state_dir,
        }
        self.process = subprocess.Popen(
            [NODE, str(RUNTIME_FILE), str(APP)], env=self.env, stdout=subprocess.DEVNULL, cwd=HERE
        )

    def root_pid(self) -> int:
        return self.process.pid

    def reload(self) -> bool:
        result = subprocess.run([NODE, str(RUNTIME_FILE), "--reload"], env=self.env,
                                capture_output=True, text=True, timeout=120)
        return result.returncode == 0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        shutil.rmtree(self.state_dir, ignore_errors=True)


class Pm2Cluster:
    name = f"PM2 cluster mode, {WORKERS} instances"
    app_name = "fleet-bench"

    def start(self, port: int, env: dict) -> None:
        self.home = tempfile.mkdtemp(prefix="fleet-bench-pm2-")
        self.env = {**env, "PM2_HOME": self.home}
        config = Path(self.home) / "ecosystem.json"
        # PM2's defaults for everything else: that is the game it is played at.
        config.write_text(json.dumps({"apps": [{
            "name": self.app_name,
            "script": str(APP),
            "exec_mode": "cluster",
            "instances": WORKERS,
            "env": {"PORT": str(port)},
        }]}))
        self._pm2("start", str(config))

    def root_pid(self) -> int:
        return int((Path(self.home) / "pm2.pid").read_text())  # the PM2 daemon, parent of the workers

    def reload(self) -> bool:
        return self._pm2("reload", self.app_name, check=False).returncode == 0

    def stop(self) -> None:
        self._pm2("kill")
        shutil.rmtree(self.home, ignore_errors=True)

    def _pm2(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([NODE, str(PM2), *args], env=self.env, capture_output=True,
                              text=True, timeout=120, check=check)


# ---------------------------------------------------------------- load

def start_load(port: int, connections: int, duration_s: float) -> subprocess.Popen:
    # stdin stays open: closing it stops the load early (see load.js).
    return subprocess.Popen(
        [NODE, str(HERE / "load.js"), f"http://127.0.0.1:{port}/", str(connections), str(duration_s)],
        cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )


def finish_load(load: subprocess.Popen, stop_now: bool) -> dict:
    if stop_now:
        load.stdin.close()
    load.wait(timeout=700)  # not communicate(): that closes stdin, stopping the load at once
    out = load.stdout.read()
    if not stop_now:
        load.stdin.close()
    if load.returncode != 0:
        raise RuntimeError("load generator failed")
    return json.loads(out.strip().splitlines()[-1])


def run_load(port: int, connections: int, duration_s: float) -> dict:
    return finish_load(start_load(port, connections, duration_s), stop_now=False)


def measure_throughput(contender, connections: int, duration_s: float, warmup_s: float) -> dict:
    port = free_port()
    contender.start(port, dict(os.environ))
    try:
        wait_until_serving(port)
        run_load(port, connections, warmup_s)  # JIT warm-up, not reported
        server = process_tree(contender.root_pid())
        cpu_before = cpu_seconds(server)
        result = run_load(port, connections, duration_s)
        # CPU the server side spent per request: unlike req/s, it does not
        # depend on what else the machine is running.
        result["cpuMsPerRequest"] = (cpu_seconds(server) - cpu_before) * 1000 / max(result["total"], 1)
        return result
    finally:
        contender.stop()


def measure_reloads(contender, reloads: int, connections: int) -> dict:
    port = free_port()
    contender.start(port, dict(os.environ))
    try:
        wait_until_serving(port)
        run_load(port, connections, 2)  # warm-up
        load = start_load(port, connections, 600)
        time.sleep(1)  # load running before the first reload
        times, failed_reloads = [], 0
        for _ in range(reloads):
            started = time.monotonic()
            if not contender.reload():
                failed_reloads += 1
            times.append(time.monotonic() - started)
        time.sleep(1)  # and still running after the last one
        result = finish_load(load, stop_now=True)
        result.update(reloads=reloads, failed_reloads=failed_reloads,
                      median_reload_s=statistics.median(times))
        return result
    finally:
        contender.stop()


# ---------------------------------------------------------------- report

def median_round(rounds: list[dict]) -> dict:
    return sorted(rounds, key=lambda r: r["requestsPerSec"])[len(rounds) // 2]


def paired_ratio(rounds: dict[str, list[dict]], key: str, base: str) -> float:
    """Median over rounds of key/base measured in the same round: steadier than
    a ratio of medians when the machine's other load drifts between rounds."""
    return statistics.median(a["requestsPerSec"] / b["requestsPerSec"] for a, b in zip(rounds[key], rounds[base]))


def cpu_per_request(rounds: list[dict]) -> float:
    return statistics.median(r["cpuMsPerRequest"] for r in rounds)


def report(rounds: dict[str, list[dict]], reload_results: dict, args) -> str:
    results = {key: median_round(values) for key, values in rounds.items()}
    lines = [
        "| configuration | req/s | vs single | p99 latency (ms) | failed requests | server CPU ms/request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label in LABELS.items():
        r = results[key]
        lines.append(f"| {label} | {r['requestsPerSec']:.0f} | {paired_ratio(rounds, key, 'single'):.2f}x "
                     f"| {r['p99Ms']} | {r['failed']} | {cpu_per_request(rounds[key]):.2f} |")
    lines += [
        "",
        f"| {args.reloads} reloads under constant load | requests served | failed requests "
        f"| failed reload commands | median reload time (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in RELOAD_LABELS.items():
        r = reload_results[key]
        lines.append(f"| {label} | {r['ok']} | {r['failed']} (errors {r['errors']}, timeouts {r['timeouts']}, "
                     f"non-2xx {r['non2xx']}) | {r['failed_reloads']} | {r['median_reload_s']:.2f} |")
    rr_vs_single = paired_ratio(rounds, "rr", "single")
    rr_vs_pm2 = paired_ratio(rounds, "rr", "pm2")
    ok_reloads = reload_results["runtime"]["failed"] == 0 and reload_results["runtime"]["failed_reloads"] == 0
    lines += [
        "",
        "req/s and p99: the median round; \"vs single\": median of the per-round ratios; "
        "server CPU: median over rounds of the CPU time (user + system) the server's "
        "processes used per request served.",
        "",
        "Targets:",
        f"- runtime 2 workers rr vs single process: {rr_vs_single:.2f}x (target >= 1.6x) "
        f"{'MET' if rr_vs_single >= 1.6 else 'MISSED'}",
        f"- runtime 2 workers rr vs PM2: {rr_vs_pm2:.2f}x (target >= 1.0x) {'MET' if rr_vs_pm2 >= 1.0 else 'MISSED'}",
        f"- failed requests over {args.reloads} runtime reloads: {reload_results['runtime']['failed']} "
        f"(target 0) {'MET' if ok_reloads else 'MISSED'}",
    ]
    return "\n".join(lines)


LABELS = {
    "single": "single process (`node app.js`)",
    "rr": f"fleet runtime, {WORKERS} workers, `rr`",
    "none": f"fleet runtime, {WORKERS} workers, `none`",
    "pm2": f"PM2 cluster mode, {WORKERS} instances",
}
RELOAD_LABELS = {
    "runtime": f"fleet runtime ({WORKERS} workers, rr), `node-cluster-runtime.js --reload`",
    "pm2": f"PM2 cluster ({WORKERS} instances), `pm2 reload`",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per configuration")
    parser.add_argument("--duration", type=float, default=8, help="seconds of measured load per round")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--reloads", type=int, default=10)
    args = parser.parse_args()

    ensure_node_modules()
    load_before = os.getloadavg()[0]
    contenders = {"single": SingleProcess(), "rr": FleetRuntime("rr"), "none": FleetRuntime("none"),
                  "pm2": Pm2Cluster()}
    rounds: dict[str, list[dict]] = {key: [] for key in contenders}
    for round_number in range(1, args.rounds + 1):
        for key, contender in contenders.items():
            result = measure_throughput(contender, args.connections, args.duration, args.warmup)
            rounds[key].append(result)
            print(f"round {round_number}: {LABELS[key]}: {result['requestsPerSec']:.0f} req/s, "
                  f"p99 {result['p99Ms']} ms, failed {result['failed']}, "
                  f"server CPU {result['cpuMsPerRequest']:.2f} ms/request", file=sys.stderr, flush=True)

    reload_results = {}
    for key, contender in (("runtime", FleetRuntime("rr")), ("pm2", Pm2Cluster())):
        reload_results[key] = measure_reloads(contender, args.reloads, args.connections)
        print(f"reloads: {RELOAD_LABELS[key]}: {reload_results[key]}", file=sys.stderr, flush=True)

    node_version = subprocess.run([NODE, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"node {node_version}, {os.cpu_count()} CPUs, {args.connections} connections, "
          f"{args.duration:g}s per measurement, median of {args.rounds} interleaved rounds; "
          f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"(other work on the machine skews the results)\n")
    print(report(rounds, reload_results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
