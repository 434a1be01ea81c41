"""Time a rollout of a new release across the lab fleet, per host and in total.

    .venv/bin/python bench/rollout/run_rollout_bench.py [--serial 1] [--runs 3] [--json results.json]

Brings the default lab up (`fleetctl lab up`: one host per persona, server, vm,
container, pi), deploys a first release of a copy of the example app under its
own name (bench-rollout, port 3300, so the lab's `hello` is left alone), then
times `fleetctl deploy INVENTORY --json` of a new release (a new package.json
version) --runs times. Each run's per-host time is the `seconds` fleetctl
reports for the host (lock to health gate passed and old releases pruned); the
total is the whole command's wall time, which adds the probe (fleetctl plans
before it deploys) and, with --serial 1, runs the hosts one after another.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
LAB_INVENTORY = REPO / "inventories" / "lab.yaml"
EXAMPLE_APP = REPO / "fleetctl" / "lab" / "example-app"


def fleetctl(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fleetctl", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def set_version(app: Path, version: str) -> None:
    package = json.loads((app / "package.json").read_text())
    package["version"] = version
    (app / "package.json").write_text(json.dumps(package, indent=2) + "\n")


def deploy(inventory: Path) -> tuple[float, dict]:
    started = time.monotonic()
    done = fleetctl("deploy", str(inventory), "--json")
    seconds = time.monotonic() - started
    try:
        document = json.loads(done.stdout)
    except ValueError:
        sys.exit(f"fleetctl deploy failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    if done.returncode != 0 or not document["ok"]:
        sys.exit(f"the rollout failed: {json.dumps(document, indent=2)}\n{done.stderr[-3000:]}")
    return seconds, document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serial", default="1", help="fleet_serial for the rollout: N or N%% (default 1)")
    parser.add_argument("--runs", type=int, default=3, help="timed rollouts, each of a new release (default 3)")
    parser.add_argument("--app-name", default="bench-rollout")
    parser.add_argument("--port", type=int, default=3300)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    serial = int(options.serial) if options.serial.isdigit() else options.serial

    up = fleetctl("lab", "up")
    if up.returncode != 0:
        sys.exit(f"fleetctl lab up failed:\n{up.stderr}")
    work = Path(tempfile.mkdtemp(prefix="rollout-bench-"))
    app = work / "app"
    shutil.copytree(EXAMPLE_APP, app)
    data = yaml.safe_load(LAB_INVENTORY.read_text())
    data["all"]["vars"].update({"fleet_app_name": options.app_name, "fleet_app_port": options.port,
                                "fleet_app_src": str(app), "fleet_serial": serial})
    inventory = work / "inventory.yaml"
    inventory.write_text(yaml.safe_dump(data, sort_keys=False))

    tag = time.strftime("%Y%m%d%H%M%S")
    set_version(app, f"0.0.0-{tag}")
    seconds, _ = deploy(inventory)  # the first release (or a new one on a host that has an older)
    print(f"first release deployed in {seconds:.1f} s", file=sys.stderr)

    runs = []
    for number in range(1, options.runs + 1):
        set_version(app, f"1.0.{number}-{tag}")
        seconds, document = deploy(inventory)
        hosts = {row["host"]: {"seconds": row["seconds"], "mode": row["mode"], "activation": row["activation"],
                               "result": row["result"]} for row in document["hosts"]}
        runs.append({"total_s": round(seconds, 2), "hosts": hosts})
        print(f"run {number}: {seconds:.1f} s", file=sys.stderr)

    host_names = list(runs[0]["hosts"])
    print(f"\nrollout of a new release across {len(host_names)} lab hosts, fleet_serial {serial}, "
          f"{options.runs} runs (median, min..max; seconds)\n")
    print(f"{'host':28} {'mode':8} {'activation':10} {'median':>7} {'range':>13}")
    for host in host_names:
        times = [run["hosts"][host]["seconds"] for run in runs]
        first = runs[0]["hosts"][host]
        print(f"{host:28} {first['mode']:8} {first['activation']:10} {statistics.median(times):7.1f} "
              f"{min(times):6.1f}..{max(times):<6.1f}")
    totals = [run["total_s"] for run in runs]
    print(f"{'total (wall, incl. probe)':48} {statistics.median(totals):7.1f} {min(totals):6.1f}..{max(totals):<6.1f}")
    summary = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "serial": serial, "runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_after": os.getloadavg()},
    }
    print(f"\nload average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    if options.json:
        options.json.write_text(json.dumps(summary, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
