"""Deploy an app with a native addon to the four lab app hosts: built once per platform on the control side
(cold cache, warm cache) against today's way before issue 12, `npm ci` on every host.

    .venv/bin/python bench/build/run_build_bench.py [--rounds 3] [--json results.json]

A lab of its own, `fleetctl-buildbench` (172.32.0.0/16): server, vm, container, pi, and the builders
(builder, armbuilder) that build for their platforms. The app is tests/integration/apps/native-hello: a
local `file:` dependency with a binding.gyp, compiled from source by node-gyp. Three ways, interleaved
round by round so the machine's noise falls on each alike:

- cold: this fleetctl with an empty artifact cache: npm ci on this machine, then the addon built once per
  platform (x86_64 on `builder`, aarch64 on `armbuilder` under qemu), then the rollout;
- warm: this fleetctl again with the cache of the cold run: nothing is built;
- per-host npm ci: fleetctl as it was before issue 12 (commit 920e26b, checked out apart), whose hosts run
  `npm ci --omit=dev` themselves, compiler and all. For this way only, the four app hosts get what the
  builders have (npm, make, g++, Node's headers) once, at the start.

Before each deploy the app is wiped from the hosts, so every run is a first deploy. Phases, from the
deploy's own progress lines as they arrive (stderr, one line per step): probe (start to the first build or
lock line), build (control side: resolving and building; per-host npm ci: the longest `unpack release`,
which runs it), upload, activate (switch and restart) and health (the gate), each the longest over the
hosts, which go in parallel (fleet_serial 100%). The table gives medians and min..max over the rounds, and
the load average seen.
"""

import argparse
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import yaml

from fleetctl.inventory import Host, load_inventory
from fleetctl.lab.npm import fetch_npm
from fleetctl.transport import connect

REPO = Path(__file__).resolve().parents[2]
LAB = ("--name", "fleetctl-buildbench", "--subnet", "172.32.0.0/16")
INVENTORY = REPO / "inventories" / "fleetctl-buildbench.yaml"
APP_SOURCE = REPO / "tests" / "integration" / "apps" / "native-hello"
APP, PORT = "bench-native", 3400
APP_PERSONAS = ("server", "vm", "container", "pi")
BEFORE_ISSUE_12 = "920e26b"  # the last fleetctl whose hosts ran npm ci themselves
PHASES = ("probe", "build", "upload", "activate", "health", "total")


def fleetctl(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fleetctl", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def timed_deploy(inventory: Path, python_path: Path | None, env: dict, cwd: Path) -> tuple[dict, list]:
    """Run a deploy, timestamping each progress line as it arrives; (its JSON, [(seconds, line)])."""
    environment = dict(os.environ, **env)
    if python_path:
        environment["PYTHONPATH"] = str(python_path)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "fleetctl", "deploy", str(inventory), "--json"], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: lines.extend(
        (time.monotonic() - started, line.rstrip("\n")) for line in process.stderr))
    reader.start()
    stdout = process.stdout.read()
    process.wait()
    reader.join()
    lines.append((time.monotonic() - started, "(end)"))
    try:
        document = json.loads(stdout)
    except ValueError:
        sys.exit(f"deploy failed (exit {process.returncode}):\n" + "\n".join(line for _, line in lines[-30:]))
    if not document["ok"]:
        sys.exit("deploy failed:\n" + json.dumps(document, indent=2))
    return document, lines


def phases(lines: list[tuple[float, str]], hosts: list[str]) -> dict[str, float]:
    """Each phase's wall seconds (the longest host), from the progress lines."""
    total = lines[-1][0]
    per_host: dict[str, list[tuple[float, str]]] = {host: [] for host in hosts}
    first_lock = min((at for at, line in lines if line.endswith(": taking the deploy lock")), default=total)
    build_lines = [at for at, line in lines if line.startswith(("resolving the dependency tree", "building "))]
    for at, line in lines:
        host, sep, what = line.partition(": ")
        if sep and host in per_host:
            per_host[host].append((at, what))

    def span(host: str, start: str, end: tuple[str, ...]) -> float:
        steps = per_host[host]
        begin = next((at for at, what in steps if what.startswith(start)), None)
        if begin is None:
            return 0.0
        finish = next((at for at, what in steps if at >= begin and what.startswith(end)), total)
        return finish - begin

    result = {"probe": (build_lines[0] if build_lines else first_lock), "total": total}
    unpack = max(span(host, "unpack release", ("write ", "reload systemd", "enable", "switch")) for host in hosts)
    result["build"] = (first_lock - build_lines[0]) if build_lines else unpack  # per-host npm ci is in unpack
    result["upload"] = max(span(host, "upload release", ("unpack release",)) for host in hosts)
    result["activate"] = max(span(host, "switch current", ("health gate",)) for host in hosts)
    result["health"] = max(span(host, "health gate", ("deployed", "failed", "rolled back", "removing")) for host in hosts)
    return result


WIPE = """unit=fleet-$1.service
systemctl disable --now "$unit" 2>/dev/null
rm -rf "/opt/$1" "/etc/fleet/$1.env" "/etc/fleet/$1.process.json" "/etc/systemd/system/$unit"
systemctl daemon-reload; userdel "$1" 2>/dev/null; true
"""
# The builders' tools, for the per-host npm ci way only: Debian's make, g++ and Node's headers, and npm
# from the same pinned release tarball the lab's builder images carry (uploaded to /tmp/npm.tgz).
GIVE_NPM = """[ -f /usr/local/lib/node_modules/npm/npmrc ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends make g++ libnode-dev >/dev/null
install -d /usr/local/lib/node_modules/npm
tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner
ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
rm -f /tmp/npm.tgz
# Without it node-gyp downloads Node's headers from nodejs.org, which these hosts cannot reach
# (nor can an offline fleet): today's way fails there until npm is told where the headers are
# (npm's own builtin npmrc: read whatever the prefix).
printf 'nodedir=/usr\n' > /usr/local/lib/node_modules/npm/npmrc
"""


def on_hosts(hosts, work: Callable[[Host], None]) -> None:
    threads = [threading.Thread(target=work, args=(host,)) for host in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_script(host: Host, script: str, *arguments: str, timeout: float = 1800) -> None:
    with connect(host.connection) as transport:
        done = transport.run(list(arguments), script=script, timeout=timeout)
    if not done.ok:
        raise RuntimeError(f"{host.name}: {done.stderr.strip()[-400:]}")


def wipe(hosts) -> None:
    """Remove the app from the hosts, so the next deploy is a first one."""
    on_hosts(hosts, lambda host: run_script(host, WIPE, APP))


def give_npm(hosts, work: Path) -> None:
    tarball = fetch_npm(work / "npm.tgz")

    def one(host: Host) -> None:
        with connect(host.connection) as transport:
            transport.put(tarball, "/tmp/npm.tgz", 0o644)
        run_script(host, GIVE_NPM)
    on_hosts(hosts, one)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep-lab", action="store_true", help="leave the bench lab up at the end")
    options = parser.parse_args()

    up = fleetctl("lab", *LAB, "up", "--hosts", "server=1,vm=1,container=1,pi=1,lb=0,builder=1,armbuilder=1")
    if up.returncode != 0:
        sys.exit(f"fleetctl lab up failed:\n{up.stderr}")
    work = Path(tempfile.mkdtemp(prefix="build-bench-"))
    try:
        run_rounds(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(["git", "worktree", "remove", "--force", str(work / "before")], cwd=REPO, capture_output=True)
        if not options.keep_lab:
            fleetctl("lab", *LAB, "down")


def run_rounds(options, work: Path) -> None:
    data = yaml.safe_load(INVENTORY.read_text())
    variables = data["all"]["vars"]
    groups = data["all"]["children"]
    lab = load_inventory(INVENTORY)
    app_hosts = [host for host in lab.hosts if set(APP_PERSONAS) & set(host.groups)]
    app = work / "app"
    shutil.copytree(APP_SOURCE, app)
    variables.update({"fleet_app_name": APP, "fleet_app_port": PORT, "fleet_app_src": str(app),
                      "fleet_serial": "100%", "fleet_health_timeout": 120, "fleet_health_retries": 20})
    new_inventory = work / "inventory.yaml"
    new_inventory.write_text(yaml.safe_dump(data, sort_keys=False))
    # Before issue 12: no builders, no fleet_build_host (unknown to it), the app hosts only.
    old_groups = {persona: copy.deepcopy(groups[persona]) for persona in APP_PERSONAS}
    for body in old_groups.values():
        (body.get("vars") or {}).pop("fleet_build_host", None)
    old = {"all": {"vars": variables, "children": old_groups}}
    old_inventory = work / "inventory-before.yaml"
    old_inventory.write_text(yaml.safe_dump(old, sort_keys=False))
    before = work / "before"
    subprocess.run(["git", "worktree", "add", "--detach", str(before), BEFORE_ISSUE_12], cwd=REPO, check=True,
                   capture_output=True)
    print("the app hosts get npm, make, g++ and Node's headers for the per-host npm ci way", file=sys.stderr)
    give_npm(app_hosts, work)

    cache = work / "state"

    def cold():
        shutil.rmtree(cache, ignore_errors=True)
        return timed_deploy(new_inventory, None, {"FLEETCTL_STATE_DIR": str(cache)}, REPO)

    def warm():
        return timed_deploy(new_inventory, None, {"FLEETCTL_STATE_DIR": str(cache)}, REPO)

    def per_host_npm_ci():
        return timed_deploy(old_inventory, before, {"FLEETCTL_STATE_DIR": str(work / "state-before")}, before)

    ways = {"cold (build once per platform)": cold, "warm (from the cache)": warm,
            "per-host npm ci (before issue 12)": per_host_npm_ci}
    figures: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    loads = []
    for number in range(1, options.rounds + 1):
        for way, run in ways.items():
            wipe(app_hosts)
            document, lines = run()
            assert {row["result"] for row in document["hosts"]} == {"deployed"}, document
            figures[way].append(phases(lines, [host.name for host in app_hosts]))
            loads.append(os.getloadavg()[0])
            print(f"round {number} {way}: {figures[way][-1]['total']:.1f} s, built "
                  f"{document.get('builds', '(per host)')}", file=sys.stderr)
    wipe(app_hosts)

    print(f"\nnative-hello (a node-gyp addon) to server, vm, container and pi (aarch64 under qemu), "
          f"{options.rounds} rounds, median (min..max) seconds; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs, load average {min(loads):.1f}..{max(loads):.1f}\n")
    print("| way | " + " | ".join(PHASES) + " | total x per-host npm ci |")
    print("| --- |" + " ---: |" * (len(PHASES) + 1))
    baseline = statistics.median(run["total"] for run in figures["per-host npm ci (before issue 12)"])
    for way, runs in figures.items():
        cells = [f"{statistics.median(run[phase] for run in runs):.1f} "
                 f"({min(run[phase] for run in runs):.1f}..{max(run[phase] for run in runs):.1f})" for phase in PHASES]
        ratio = statistics.median(run["total"] for run in runs) / baseline
        print(f"| {way} | " + " | ".join(cells) + f" | {ratio:.2f}x |")
    if options.json:
        options.json.write_text(json.dumps({"figures": figures, "loads": loads}, indent=2) + "\n")


if __name__ == "__main__":
    main()
