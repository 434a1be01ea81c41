"""fleetctl against pyinfra on N lab hosts: plan (cold and warm) and a no-op deploy, as whole processes.

    bash bench/scale/run.sh                      # everything: sizes 50, 100, 200, 500, then the lab down
    python bench/scale/bench_scale.py --inventory inventories/fleetctl-scale.yaml [--repeat 3] [--no-deploy]

On the hosts the inventory lists (the scale lab's plain hosts), each round runs, in a rotating order:

    fleetctl plan (cold)     fleetctl plan FACTS_ONLY_INVENTORY --forks N --json, with an empty probe cache
                             (a fresh FLEETCTL_STATE_DIR: first contact, as every new host or user sees it)
    fleetctl plan (warm)     the same with the probe cache the warm-up run filled
    pyinfra fact             pyinfra --config CONFIG.py --parallel N INVENTORY.py fact server.Arch hardware.Cpus
                             hardware.Memory
    fleetctl deploy (no-op)  fleetctl deploy APP_INVENTORY --forks N --json: the release already runs everywhere
                             (a first deploy, untimed, 50 hosts at a time, put it there); fleet_serial 100%,
                             one batch
    pyinfra deploy (no-op)   pyinfra --config CONFIG.py --parallel N INVENTORY.py deploy.py: the same unit file and
                             app file in place and the service running and enabled, through sudo: nothing to change

N is --forks, the same for both tools (default: every host). Both give a host 60 s to connect (CONNECT_TIMEOUT):
pyinfra through CONFIG.py, fleetctl through ansible_ssh_timeout in its inventories.

Every run is a new process with new SSH connections and counts only when every host answered (and, for the
deploys, nothing changed). Measured per run: wall time; the tool's CPU (user + system of its process tree,
from wait4) and its peak RSS (ru_maxrss of the tool's process; pyinfra runs in one process, fleetctl too);
the lab containers' CPU (their cgroups); what the rest of the machine used meanwhile; the load average.
"""

import argparse
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench" / "probe"))
import bench_probe  # noqa: E402 - the probe benchmark's inventories, checks and CPU accounting

import fleetctl  # noqa: E402
from fleetctl.inventory import load_inventory  # noqa: E402

FIRST_DEPLOY_FORKS = 50
PLAN_COLD, PLAN_WARM, PYINFRA_FACT = "fleetctl plan (cold)", "fleetctl plan (warm)", "pyinfra fact"
DEPLOY, PYINFRA_DEPLOY = "fleetctl deploy (no-op)", "pyinfra deploy (no-op)"
PEERS = {PLAN_COLD: PYINFRA_FACT, PLAN_WARM: PYINFRA_FACT, DEPLOY: PYINFRA_DEPLOY}


@dataclass(frozen=True)
class Run:
    tool: str
    seconds: float
    cpu_tool: float
    rss_mb: float
    cpu_hosts: float | None
    cpu_other: float | None
    load: float  # 1-minute load average at the end of the run
    ok: bool
    detail: str


def run_timed(tool: str, command: list[str], env: dict[str, str], check, cpu_files: list[Path]) -> Run:
    """Run command to its end; CPU and peak RSS of its process tree from wait4 (the tool's own numbers)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        hosts_before, busy_before = bench_probe.containers_cpu(cpu_files), bench_probe._machine_busy()
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=REPO, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        busy = bench_probe._machine_busy() - busy_before
        hosts_after = bench_probe.containers_cpu(cpu_files)
        out.seek(0)
        err.seek(0)
        ok, detail = check(process.returncode, out.read(), err.read())
    cpu_tool = usage.ru_utime + usage.ru_stime
    cpu_hosts = None if hosts_before is None or hosts_after is None else hosts_after - hosts_before
    cpu_other = None if cpu_hosts is None else max(0.0, busy - cpu_tool - cpu_hosts)
    return Run(tool, seconds, cpu_tool, usage.ru_maxrss / 1024, cpu_hosts, cpu_other, os.getloadavg()[0], ok, detail)


# ---- the inventories and commands ---------------------------------------------------------------------------------

def app_inventory(inventory: Path, directory: Path) -> Path:
    """The lab inventory with the example app rolled out in one batch (fleet_serial 100%), and a health gate
    patient enough for the first deploy, when every host starts node at once on the machine's 2 CPUs (a no-op
    deploy restarts nothing and runs no gate)."""
    data = yaml.safe_load(inventory.read_text())
    data["all"]["vars"].update(fleet_serial="100%", fleet_health_timeout=300, fleet_health_retries=60)
    path = directory / "app.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return with_connect_timeout(path)


# Seconds each tool gives a host to connect (both default to 10). pyinfra starts every host's handshake at once:
# at 500 lab hosts on this machine's 2 CPUs, handshakes took longer than 10 s, and it gave up on hosts in every
# run. fleetctl opens at most 32 at once, but a host busy with the others' commands (the hosts share the 2 CPUs)
# still missed 10 s now and then. A handshake that finishes in time costs the same either way.
CONNECT_TIMEOUT = 60
PYINFRA_CONFIG_PY = f"""\
from pyinfra import config

config.CONNECT_TIMEOUT = {CONNECT_TIMEOUT}
"""


def with_connect_timeout(inventory: Path) -> Path:
    """The inventory, its hosts given CONNECT_TIMEOUT seconds to connect (ansible_ssh_timeout), in place."""
    data = yaml.safe_load(inventory.read_text())
    data["all"].setdefault("vars", {})["ansible_ssh_timeout"] = CONNECT_TIMEOUT
    inventory.write_text(yaml.safe_dump(data, sort_keys=False))
    return inventory


PYINFRA_DEPLOY_PY = '''\
"""The no-op deploy pyinfra is timed with: what fleetctl's no-op deploy checks, each already in place."""
from pyinfra.operations import files, systemd

files.put(name="unit file", src={unit!r}, dest="/etc/systemd/system/fleet-hello.service", mode="644", _sudo=True)
files.put(name="app file", src={entry!r}, dest="/opt/hello/current/server.js", _sudo=True)
systemd.service(name="service", service="fleet-hello.service", running=True, enabled=True, _sudo=True)
'''


def pyinfra_deploy_file(app_inventory_path: Path, names: list[str], directory: Path) -> Path:
    """deploy.py putting the unit fleetctl rendered for these hosts and the app's entry file, as they are."""
    done = subprocess.run([sys.executable, "-m", "fleetctl", "plan", str(app_inventory_path), "--limit", names[0],
                           "--json"], capture_output=True, text=True, cwd=REPO)
    unit = json.loads(done.stdout)[0]["unit"]
    (directory / "fleet-hello.service").write_text(unit)
    deploy = directory / "deploy.py"
    deploy.write_text(PYINFRA_DEPLOY_PY.format(unit=str(directory / "fleet-hello.service"),
                                               entry=str(REPO / "fleetctl/lab/example-app/server.js")))
    return deploy


def check_fleetctl_deploy(names: list[str]):
    def check(returncode: int, stdout: str, stderr: str) -> tuple[bool, str]:
        try:
            rows = {row["host"]: row for row in json.loads(stdout)["hosts"]}
        except (ValueError, KeyError):
            rows = {}
        unchanged = sum(row["result"] == "unchanged" for row in rows.values())
        if returncode == 0 and unchanged == len(names):
            return True, f"{unchanged} hosts unchanged"
        # Every host that was not left unchanged, grouped by what happened to it: the reasons a run at scale
        # failed are the point of reading a failed run (a first line alone hid them).
        reasons = Counter(f"{row['result']}: {row['detail']}".replace(host, "HOST") for host, row in rows.items()
                          if row["result"] != "unchanged")
        why = "; ".join(f"{count} x {reason[:200]}" for reason, count in reasons.most_common()) or \
            (stderr.strip().splitlines() or [""])[-1][:200]
        return False, f"exit {returncode}, {unchanged}/{len(names)} unchanged; {why}"
    return check


def check_pyinfra_deploy(names: list[str]):
    def check(returncode: int, stdout: str, stderr: str) -> tuple[bool, str]:
        # pyinfra prints, per host, "[host] No changes" for an operation that changed nothing.
        text = stdout + stderr
        changed = [line for line in text.splitlines() if "] Success" in line]
        if returncode == 0 and not changed and "No changes" in text:
            return True, f"{len(names)} hosts, no changes"
        return False, f"exit {returncode}, {len(changed)} changes: {(text.strip().splitlines() or [''])[-1][:160]}"
    return check


# ---- the table ----------------------------------------------------------------------------------------------------

def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def summary(runs: list[Run], tools: list[str], hosts: int, forks: int, options: argparse.Namespace) -> str:
    good = {tool: [run for run in runs if run.tool == tool and run.ok] for tool in tools}
    medians = {tool: _median([run.seconds for run in good[tool]]) for tool in tools}
    cpu = {tool: _median([run.cpu_tool for run in good[tool]]) for tool in tools}
    rss = {tool: _median([run.rss_mb for run in good[tool]]) for tool in tools}
    lines = [
        f"{hosts} hosts, --forks/--parallel {forks}, median of {options.repeat} runs after {options.warmup} warm-up, "
        f"tools interleaved; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs "
        f"({platform.machine()}), Python {platform.python_version()}, fleetctl at {bench_probe.fleetctl_revision()}",
        "",
        "| tool | wall median (s) | min–max (s) | × pyinfra | controller CPU s | CPU ms per host | × pyinfra |"
        " peak RSS MB | hosts' CPU s | other load CPU s | load avg | runs ok |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for tool in tools:
        peer = PEERS.get(tool)
        seconds = [run.seconds for run in good[tool]]

        def ratio(values: dict) -> str:
            if peer is None or values[tool] is None or not values.get(peer):
                return "-"
            return f"{values[tool] / values[peer]:.2f}x"

        per_host = cpu[tool] * 1000 / hosts if cpu[tool] is not None else None
        lines.append(
            f"| {tool} | {_fmt(medians[tool])} | "
            f"{f'{min(seconds):.2f}–{max(seconds):.2f}' if seconds else '-'} | {ratio(medians)} | "
            f"{_fmt(cpu[tool])} | {_fmt(per_host, 1)} | {ratio(cpu)} | {_fmt(rss[tool], 0)} | "
            f"{_fmt(_median([run.cpu_hosts for run in good[tool] if run.cpu_hosts is not None]), 1)} | "
            f"{_fmt(_median([run.cpu_other for run in good[tool] if run.cpu_other is not None]), 1)} | "
            f"{_fmt(_median([run.load for run in good[tool]]), 1)} | "
            f"{len(good[tool])}/{sum(1 for run in runs if run.tool == tool)} |")
    short = [tool for tool in tools if len(good[tool]) < options.repeat]
    if short:
        lines += ["", f"NOT A VALID RESULT for {', '.join(short)}: some runs failed (see the log above)."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", type=Path, default=REPO / "inventories" / "fleetctl-scale.yaml")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per tool first")
    parser.add_argument("--no-deploy", action="store_true", help="plans and facts only (no app processes on hosts)")
    parser.add_argument("--tools-venv", type=Path,
                        default=Path(os.environ.get("FLEETCTL_BENCH_VENV", bench_probe.DEFAULT_TOOLS_VENV)))
    parser.add_argument("--forks", type=int, help="hosts each tool contacts at once (fleetctl --forks, pyinfra "
                                                   "--parallel); default: every host")
    parser.add_argument("--output", type=Path, help="also append the table (markdown) here")
    options = parser.parse_args()

    compileall.compile_dir(Path(fleetctl.__file__).parent, quiet=1)  # as pip would (see bench/probe/README.md)
    names = [host.name for host in load_inventory(options.inventory).hosts]
    forks = str(min(options.forks or len(names), len(names)))
    cpu_files = bench_probe.container_cpu_files(names)
    fleetctl_cmd = [sys.executable, "-m", "fleetctl"]
    pyinfra = str(options.tools_venv / "bin" / "pyinfra")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        facts_only = with_connect_timeout(bench_probe.facts_only_inventory(options.inventory, scratch_dir))
        pyinfra_inventory = bench_probe.pyinfra_inventory(facts_only, names, scratch_dir)
        pyinfra_config = scratch_dir / "pyinfra_config.py"
        pyinfra_config.write_text(PYINFRA_CONFIG_PY)
        pyinfra_cmd = [pyinfra, "--config", str(pyinfra_config), "--parallel", forks]
        warm_state = scratch_dir / "warm-state"
        fact_check = bench_probe.check
        plan = [*fleetctl_cmd, "plan", str(facts_only), "--forks", forks, "--json"]
        commands = {
            PLAN_COLD: (plan, lambda: {"FLEETCTL_STATE_DIR": tempfile.mkdtemp(dir=scratch)},
                        lambda code, out, err: fact_check("fleetctl plan", code, out, err, names)),
            PLAN_WARM: (plan, lambda: {"FLEETCTL_STATE_DIR": str(warm_state)},
                        lambda code, out, err: fact_check("fleetctl plan", code, out, err, names)),
            PYINFRA_FACT: ([*pyinfra_cmd, str(pyinfra_inventory), "fact", "server.Arch",
                            "hardware.Cpus", "hardware.Memory"], dict,
                           lambda code, out, err: fact_check("pyinfra fact", code, out, err, names)),
        }
        if not options.no_deploy:
            apps = app_inventory(options.inventory, scratch_dir)
            # At most FIRST_DEPLOY_FORKS hosts start node at once: 500 at once on the lab's 2 CPUs (load average
            # 1,400-2,800) left hosts' sshd too slow to greet within the connect timeout and gates unanswered in
            # three attempts in a row. A rerun converges the hosts a loaded machine made miss their gate.
            first_forks = str(min(int(forks), FIRST_DEPLOY_FORKS))
            for attempt in range(3):
                first = subprocess.run([*fleetctl_cmd, "deploy", str(apps), "--forks", first_forks, "--json"], cwd=REPO,
                                       capture_output=True, text=True,
                                       env=dict(os.environ, FLEETCTL_STATE_DIR=str(warm_state)))
                print(f"first deploy (untimed), attempt {attempt + 1}: exit {first.returncode}", flush=True)
                if first.returncode == 0:
                    break
            if first.returncode != 0:
                print(first.stderr[-2000:], file=sys.stderr)
                return 1
            deploy_py = pyinfra_deploy_file(apps, names, scratch_dir)
            commands[DEPLOY] = ([*fleetctl_cmd, "deploy", str(apps), "--forks", forks, "--json"],
                                lambda: {"FLEETCTL_STATE_DIR": str(warm_state)}, check_fleetctl_deploy(names))
            commands[PYINFRA_DEPLOY] = ([*pyinfra_cmd, "-y", str(pyinfra_inventory), str(deploy_py)],
                                        dict, check_pyinfra_deploy(names))
        tools = list(commands)
        for attempt in range(options.warmup + options.repeat):
            order = tools[attempt % len(tools):] + tools[:attempt % len(tools)]
            for tool in order:
                command, extra_env, check = commands[tool]
                run = run_timed(tool, command, dict(os.environ, **extra_env()), check, cpu_files)
                label = "warm-up" if attempt < options.warmup else f"run {attempt - options.warmup + 1}"
                if attempt >= options.warmup:
                    runs.append(run)
                print(f"{label:8} {tool:24} {run.seconds:6.2f}s cpu {run.cpu_tool:5.2f} rss {run.rss_mb:4.0f}MB "
                      f"hosts {_fmt(run.cpu_hosts, 1):>5} other {_fmt(run.cpu_other, 1):>4} load {run.load:4.1f}  "
                      f"{'ok' if run.ok else 'FAILED'}: {run.detail}", flush=True)
        print("\n" + "\n".join(f"    {tool}: {' '.join(commands[tool][0])}" for tool in tools))
    table = summary(runs, tools, len(names), int(forks), options)
    print("\n" + table)
    if options.output:
        with options.output.open("a") as output:
            output.write(table + "\n\n")
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
