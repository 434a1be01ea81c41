"""Time fleetctl's probe against pyinfra's facts and Ansible's setup on the same hosts.

    bench/probe/setup.sh                       # once: pyinfra and ansible-core in their own venv
    .venv/bin/python bench/probe/bench_probe.py [--hosts 20] [--forks 10] [--repeat 3]

Every tool starts cold each run (new process, new SSH connections; Ansible's
ControlPersist sockets go to a fresh directory per run), checks host keys
against the lab's known_hosts, runs without sudo, and reaches the same hosts
with the same parallelism. A run counts only if every host answered.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fleetctl.inventory import load_inventory

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEFAULT_TOOLS_VENV = Path.home() / ".cache" / "fleetctl-bench-venv"


@dataclass(frozen=True)
class Run:
    tool: str
    seconds: float
    ok: bool
    detail: str


def timed(tool: str, command: list[str], env: dict[str, str] | None = None) -> Run:
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=1800)
    seconds = time.monotonic() - started
    output = done.stdout + done.stderr
    return Run(tool, seconds, done.returncode == 0, output.strip().splitlines()[-1] if output.strip() else "")


def fleetctl_command(inventory: Path, forks: int, names: list[str]) -> list[str]:
    return [sys.executable, str(HERE / "fleetctl_probe.py"), str(inventory), str(forks), *names]


def pyinfra_inventory(inventory: Path, names: list[str], directory: Path) -> Path:
    """The same hosts, keys and known_hosts as a pyinfra inventory file."""
    hosts = {host.name: host for host in load_inventory(inventory).hosts}
    lines = ["hosts = ["]
    for name in names:
        spec = hosts[name].connection
        data = {
            "ssh_hostname": spec.address,
            "ssh_port": spec.port or 22,
            "ssh_user": spec.user,
            "ssh_key": spec.key_file,
            "ssh_known_hosts_file": spec.known_hosts_file,
            "ssh_strict_host_key_checking": "yes",
        }
        lines.append(f"    ({name!r}, {data!r}),")
    lines.append("]")
    path = directory / "pyinfra_inventory.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def pyinfra_command(tools: Path, inventory_file: Path, forks: int) -> list[str]:
    return [str(tools / "bin" / "pyinfra"), "--parallel", str(forks), str(inventory_file),
            "fact", "server.Arch", "hardware.Cpus", "hardware.Memory"]


def ansible_command(tools: Path, inventory: Path, forks: int, names: list[str]) -> list[str]:
    return [str(tools / "bin" / "ansible"), "-i", str(inventory), ",".join(names), "-m", "setup",
            "-a", "gather_subset=min", "-f", str(forks), "-e", "ansible_become=false"]


def ansible_env(control_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ANSIBLE_SSH_CONTROL_PATH_DIR=control_dir, ANSIBLE_HOST_KEY_CHECKING="True",
               ANSIBLE_STDOUT_CALLBACK="minimal", ANSIBLE_NOCOLOR="1")
    return env


def summary_table(runs: list[Run], hosts: int, forks: int, repeat: int) -> str:
    lines = [
        f"{hosts} hosts, {forks} in parallel, {repeat} runs each, "
        f"on {os.cpu_count()} CPUs ({platform.machine()}, Python {platform.python_version()})",
        "",
        "| tool | what it gathers | best (s) | median (s) | runs ok |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    gathers = {
        "fleetctl probe_hosts": "all facts fleetctl plans with (one exec per host)",
        "pyinfra fact": "server.Arch hardware.Cpus hardware.Memory",
        "ansible setup": "gather_subset=min",
    }
    for tool in gathers:
        times = [run.seconds for run in runs if run.tool == tool and run.ok]
        count = sum(1 for run in runs if run.tool == tool)
        best = f"{min(times):.2f}" if times else "-"
        median = f"{statistics.median(times):.2f}" if times else "-"
        lines.append(f"| {tool} | {gathers[tool]} | {best} | {median} | {len(times)}/{count} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", type=Path, default=REPO / "inventories" / "lab.yaml")
    parser.add_argument("--hosts", type=int, default=0, help="only the first N hosts (0: all)")
    parser.add_argument("--without", default="", help="leave out hosts whose name contains this")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tools-venv", type=Path, default=Path(os.environ.get("FLEETCTL_BENCH_VENV", DEFAULT_TOOLS_VENV)))
    parser.add_argument("--output", type=Path, help="also write the table (markdown) here")
    options = parser.parse_args()

    for tool in ("pyinfra", "ansible"):
        if not (options.tools_venv / "bin" / tool).exists():
            print(f"{tool} not found in {options.tools_venv}: run bench/probe/setup.sh", file=sys.stderr)
            return 2
    names = [host.name for host in load_inventory(options.inventory).hosts]
    if options.without:
        names = [name for name in names if options.without not in name]
    if options.hosts:
        names = names[: options.hosts]

    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as scratch:
        pyinfra_file = pyinfra_inventory(options.inventory, names, Path(scratch))
        for attempt in range(options.repeat):
            # Rotate the order so no tool always runs on a warm (or cold) fleet.
            plan = [
                ("fleetctl probe_hosts", fleetctl_command(options.inventory, options.forks, names), None),
                ("pyinfra fact", pyinfra_command(options.tools_venv, pyinfra_file, options.forks), None),
                ("ansible setup", ansible_command(options.tools_venv, options.inventory, options.forks, names),
                 ansible_env(tempfile.mkdtemp(dir=scratch))),
            ]
            plan = plan[attempt % 3:] + plan[: attempt % 3]
            for tool, command, env in plan:
                run = timed(tool, command, env)
                runs.append(run)
                state = "ok" if run.ok else f"FAILED: {run.detail}"
                print(f"run {attempt + 1}: {tool:22} {run.seconds:6.2f}s {state}", flush=True)

    table = summary_table(runs, len(names), options.forks, options.repeat)
    print()
    print(table)
    if options.output:
        options.output.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
