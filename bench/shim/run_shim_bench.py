"""The socket shim's memory: fleetctl's single-mode app with the shim against a bare `node app.js`,
on the lab's pi (and, for comparison, its server).

    .venv/bin/python bench/shim/run_shim_bench.py [--rounds 5] [--personas pi,server] [--json results.json]

Brings the lab up (`fleetctl lab up`), copies the example app and fleetctl/runtime/socket-shim.js to
a folder on each host, and runs bench/shim/measure_rss.py there: per round, in turn, the bare app
(`node server.js`, binding its port), the app with an empty file preloaded (`node --require
empty.js server.js`: what any --require costs) and the app as a single-mode unit runs it (`node
--require socket-shim.js server.js`, the port's socket passed in as the socket unit passes it: fd 3,
LISTEN_FDS, LISTEN_PID), each measured after it answered 200 requests. Printed per host: the
medians of VmRSS and Pss of each, and the median and range of the rounds' differences with bare.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from fleetctl.inventory import load_inventory  # noqa: E402 (the repo's fleetctl, after sys.path)
from fleetctl.runtime import SHIM_FILE  # noqa: E402
from fleetctl.transport import connect  # noqa: E402

LAB_INVENTORY = REPO / "inventories" / "lab.yaml"
EXAMPLE_APP = REPO / "fleetctl" / "lab" / "example-app"
MEASURE = Path(__file__).resolve().parent / "measure_rss.py"
FOLDER = "/tmp/fleetctl-shim-bench"
PORT = 3390


def measure(host, rounds: int) -> list[dict]:
    with connect(host.connection) as transport:
        transport.run(["mkdir", "-p", FOLDER], timeout=60)
        for source, name in ((EXAMPLE_APP / "server.js", "server.js"), (EXAMPLE_APP / "package.json", "package.json"),
                             (SHIM_FILE, "socket-shim.js"), (MEASURE, "measure_rss.py")):
            transport.put(source.read_bytes(), f"{FOLDER}/{name}")
        transport.put(b"", f"{FOLDER}/empty.js")
        done = transport.run(["python3", f"{FOLDER}/measure_rss.py", FOLDER, str(PORT), str(rounds)],
                             timeout=60 * 60)
        transport.run(["rm", "-rf", FOLDER], timeout=60)
    if not done.ok:
        sys.exit(f"{host.name}: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def mib(kib) -> float:
    return kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--personas", default="pi,server")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    up = subprocess.run([sys.executable, "-m", "fleetctl", "lab", "up"], cwd=REPO, capture_output=True, text=True)
    if up.returncode != 0:
        sys.exit(f"fleetctl lab up failed:\n{up.stderr}")
    inventory = load_inventory(LAB_INVENTORY)
    results = {}
    for persona in options.personas.split(","):
        host = next(host for host in inventory.hosts if persona in host.groups)
        results[host.name] = measure(host, options.rounds)
        print(f"{host.name}: measured", file=sys.stderr)
    print(f"\nsocket shim memory, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {options.rounds} interleaved "
          f"rounds per host (medians; MiB)\n")
    print("| host | variant | RSS | RSS - bare (range) | Pss | Pss - bare (range) | start s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for host, rows in results.items():
        by = {variant: sorted((row for row in rows if row["variant"] == variant), key=lambda row: row["round"])
              for variant in ("bare", "preload", "shim")}
        for variant, mine in by.items():
            def difference(key):
                if variant == "bare":
                    return ""
                values = [mib(row[key] - bare[key]) for bare, row in zip(by["bare"], mine)]
                return f"{statistics.median(values):+.2f} ({min(values):+.1f}..{max(values):+.1f})"

            print(f"| {host} | {variant} | {statistics.median(mib(row['rss_kib']) for row in mine):.1f} |"
                  f" {difference('rss_kib')} | {statistics.median(mib(row['pss_kib']) for row in mine):.1f} |"
                  f" {difference('pss_kib')} | {statistics.median(row['start_s'] for row in mine):.1f} |")
    print(f"\nload average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
