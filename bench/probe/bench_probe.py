"""Time `fleetctl plan` against pyinfra's facts and Ansible's setup, as whole processes, on the same hosts.

    bash bench/probe/run.sh                    # everything: tools, bench lab up, runs, table, lab down
    .venv/bin/python bench/probe/bench_probe.py [--forks 50] [--repeat 3] [--without pi]

The three commands (issue 3), each at the same parallelism on the same hosts:

    fleetctl plan INVENTORY --forks N --json
    pyinfra --parallel N PYINFRA_INVENTORY fact server.Arch hardware.Cpus hardware.Memory
    ansible all -i INVENTORY -m setup -a gather_subset=min --forks N

Every run starts cold (a new process, new SSH connections; Ansible's
ControlPersist sockets go to a fresh directory each run), checks host keys
against the lab's known_hosts, and counts only if every host answered. One
warm-up run of each tool is discarded; the order of the tools rotates between
runs. Besides wall time, each run's CPU time is measured: the tool's own
processes (and their children, such as Ansible's ssh) plus the lab's
containers (their cgroups), because on one machine the hosts share its CPUs.
"""

import argparse
import compileall
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

import fleetctl
from fleetctl.inventory import load_inventory

REPO = Path(__file__).resolve().parents[2]
DEFAULT_INVENTORY = REPO / "inventories" / "fleetctl-bench.yaml"
DEFAULT_TOOLS_VENV = Path.home() / ".cache" / "fleetctl-bench-venv"
TOOLS = ("fleetctl plan", "pyinfra fact", "ansible setup")
# With --diagnose: fleetctl plan with probe.sh's `node -p` skipped. It gathers
# fewer facts than fleetctl does, so it is never a result, only a pointer to
# where the time goes.
DIAGNOSTIC = "fleetctl, no node -p (diagnostic)"


@dataclass(frozen=True)
class Run:
    tool: str
    seconds: float
    cpu_tool: float  # CPU seconds of the tool's process tree
    cpu_hosts: float | None  # CPU seconds of the lab's containers, None when cgroups are unreadable
    cpu_other: float | None  # CPU seconds the rest of the machine used meanwhile
    ok: bool
    detail: str


# ---- CPU accounting ---------------------------------------------------------

def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy since boot (/proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def container_cpu_files(names: list[str]) -> list[Path]:
    """The cgroup CPU usage file of each lab container (cgroup v1 or v2), or [] if any is unreadable."""
    done = subprocess.run(["docker", "inspect", "-f", "{{.Id}}", *names], capture_output=True, text=True)
    if done.returncode != 0:
        return []
    files = []
    for container_id in done.stdout.split():
        candidates = [
            Path(f"/sys/fs/cgroup/cpuacct/docker/{container_id}/cpuacct.usage"),
            Path(f"/sys/fs/cgroup/cpu,cpuacct/docker/{container_id}/cpuacct.usage"),
            Path(f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/cpu.stat"),
            Path(f"/sys/fs/cgroup/docker/{container_id}/cpu.stat"),
        ]
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            return []
        files.append(found)
    return files


def containers_cpu(files: list[Path]) -> float | None:
    if not files:
        return None
    total = 0.0
    for path in files:
        text = path.read_text()
        if path.name == "cpuacct.usage":
            total += int(text) / 1e9
        else:
            total += int(re.search(r"^usage_usec (\d+)", text, re.M).group(1)) / 1e6
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---- the three commands -----------------------------------------------------

def pyinfra_inventory(inventory: Path, names: list[str], directory: Path) -> Path:
    """The same hosts, user, key and known_hosts as a pyinfra inventory file, host key checking strict."""
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


def facts_only_inventory(inventory: Path, directory: Path) -> Path:
    """The inventory without the app, so `fleetctl plan` does what issue 3 times: probe, decide,
    render; with an app it would also read each host's deployed state (under sudo) to show
    what a deploy would change, which neither peer does."""
    data = yaml.safe_load(inventory.read_text())
    for name in [name for name in data["all"].get("vars", {}) if name.startswith("fleet_app_")]:
        del data["all"]["vars"][name]
    path = directory / "facts-only.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def commands(options: argparse.Namespace, pyinfra_file: Path) -> dict[str, list[str]]:
    forks = str(options.forks)
    tools = options.tools_venv / "bin"
    fleetctl = [str(REPO / ".venv" / "bin" / "fleetctl"), "plan", str(options.inventory), "--forks", forks, "--json"]
    ansible = [str(tools / "ansible"), "all" if not options.without else f"all:!{options.without}",
               "-i", str(options.inventory), "-m", "setup", "-a", "gather_subset=min", "--forks", forks]
    if options.without:
        fleetctl[3:3] = ["--limit", f"!{options.without}"]
    pyinfra = [str(tools / "pyinfra"), "--parallel", forks, str(pyinfra_file),
               "fact", "server.Arch", "hardware.Cpus", "hardware.Memory"]
    without_node = [sys.executable, str(Path(__file__).with_name("fleetctl_without_node.py")), *fleetctl[1:]]
    return {"fleetctl plan": fleetctl, "pyinfra fact": pyinfra, "ansible setup": ansible, DIAGNOSTIC: without_node}


def check(tool: str, returncode: int, stdout: str, stderr: str, names: list[str]) -> tuple[bool, str]:
    """Did every host answer? (ok, one line for the log)."""
    if tool in ("fleetctl plan", DIAGNOSTIC):
        try:
            rows = json.loads(stdout)
        except ValueError:
            rows = []
        answered = {row["host"] for row in rows if not row.get("error")}
        errors = [row["error"] for row in rows if row.get("error")]
        if errors:
            stderr = "\n".join(errors)  # the detail below then names the first failure
    elif tool == "pyinfra fact":
        # The facts come as one JSON object per fact: {"host": value, ...}.
        answered = set(names)
        for fact in ("server.Arch", "hardware.Cpus", "hardware.Memory"):
            match = re.search(r"^--> Fact data for: " + re.escape(fact) + r"\n(\{.*?^\})", stdout + stderr, re.M | re.S)
            values = json.loads(match.group(1)) if match else {}
            answered &= {host for host, value in values.items() if value is not None}
    else:
        answered = set(re.findall(r"^(\S+) \| SUCCESS", stdout, re.M))
        failures = re.findall(r"^(\S+ \| (?:UNREACHABLE!|FAILED!).*?\"msg\": .*?)$", stdout, re.M | re.S)
        if failures:
            stderr = " ".join(failures[0].split())
    missing = sorted(set(names) - answered)
    if returncode == 0 and not missing:
        return True, f"{len(answered)} hosts"
    tail = (stderr.strip() or stdout.strip()).splitlines()[-1:] or [""]
    return False, f"exit {returncode}, {len(missing)} hosts missing ({', '.join(missing[:3])}): {tail[0][:160]}"


def timed(tool: str, command: list[str], env: dict[str, str], names: list[str], cpu_files: list[Path]) -> Run:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        cpu_before, hosts_before, busy_before = _children_cpu(), containers_cpu(cpu_files), _machine_busy()
        started = time.monotonic()
        done = subprocess.run(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=REPO, env=env, timeout=1800)
        seconds = time.monotonic() - started
        busy = _machine_busy() - busy_before
        cpu_tool = _children_cpu() - cpu_before
        hosts_after = containers_cpu(cpu_files)
        out.seek(0)
        err.seek(0)
        ok, detail = check(tool, done.returncode, out.read(), err.read(), names)
    cpu_hosts = None if hosts_before is None or hosts_after is None else hosts_after - hosts_before
    cpu_other = None if cpu_hosts is None else max(0.0, busy - cpu_tool - cpu_hosts)
    return Run(tool, seconds, cpu_tool, cpu_hosts, cpu_other, ok, detail)


# ---- the table --------------------------------------------------------------

def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def fleetctl_revision() -> str:
    """The commit fleetctl ran from, and whether its tree had uncommitted changes then."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "fleetctl"], capture_output=True, text=True, cwd=REPO)
    if head.returncode != 0:
        return "unknown revision"
    return head.stdout.strip() + (" + uncommitted changes in fleetctl/" if dirty.stdout.strip() else "")


def summary(runs: list[Run], options: argparse.Namespace, hosts: int) -> str:
    tools = TOOLS + ((DIAGNOSTIC,) if options.diagnose else ())
    medians = {tool: _median([run.seconds for run in runs if run.tool == tool and run.ok]) for tool in tools}
    lines = [
        f"{hosts} hosts, --forks/--parallel {options.forks} for each tool, median of {options.repeat} runs "
        f"after {options.warmup} warm-up; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, fleetctl at {fleetctl_revision()}",
        "",
        "| tool | median (s) | min–max (s) | × pyinfra | × Ansible | CPU s: tool + hosts | other load, CPU s | runs ok |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for tool in tools:
        good = [run for run in runs if run.tool == tool and run.ok]
        seconds = [run.seconds for run in good]
        median = medians[tool]
        ratio = {
            other: (median / medians[other]) if median is not None and medians[other] else None
            for other in ("pyinfra fact", "ansible setup")
        }
        cpu_tool = _median([run.cpu_tool for run in good])
        cpu_hosts = _median([run.cpu_hosts for run in good if run.cpu_hosts is not None])
        other = _median([run.cpu_other for run in good if run.cpu_other is not None])
        spread = f"{min(seconds):.2f}–{max(seconds):.2f}" if seconds else "-"
        lines.append(
            f"| {tool} | {_fmt(median)} | {spread} | {_fmt(ratio['pyinfra fact'], 2, 'x')} | "
            f"{_fmt(ratio['ansible setup'], 3, 'x')} | {_fmt(cpu_tool, 1)} + {_fmt(cpu_hosts, 1)} | {_fmt(other, 1)} | "
            f"{len(good)}/{sum(1 for run in runs if run.tool == tool)} |"
        )
    short = [tool for tool in TOOLS if sum(1 for run in runs if run.tool == tool and run.ok) < 3]
    if short:
        lines += ["", f"NOT A VALID RESULT: fewer than 3 good runs for {', '.join(short)}."]
    fleetctl, pyinfra, ansible = (medians[tool] for tool in TOOLS)
    if None in (fleetctl, pyinfra, ansible):
        lines += ["", "Targets: not evaluated (a tool has no successful run)."]
    else:
        vs_pyinfra, vs_ansible = fleetctl / pyinfra, fleetctl / ansible
        lines += [
            "",
            f"Target fleetctl <= 1.0x pyinfra: {vs_pyinfra:.2f}x, {'met' if vs_pyinfra <= 1.0 else 'NOT met'}. "
            f"Target fleetctl <= 0.1x Ansible: {vs_ansible:.3f}x, {'met' if vs_ansible <= 0.1 else 'NOT met'}.",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY)
    parser.add_argument("--forks", type=int, default=50, help="parallelism for every tool")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool (at least 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per tool first")
    parser.add_argument("--without", default="", help="leave out this inventory group (e.g. pi)")
    parser.add_argument("--diagnose", action="store_true",
                        help="also time fleetctl with node -p skipped (a diagnostic row, never a result)")
    parser.add_argument("--tools-venv", type=Path,
                        default=Path(os.environ.get("FLEETCTL_BENCH_VENV", DEFAULT_TOOLS_VENV)))
    parser.add_argument("--output", type=Path, help="also append the table (markdown) here")
    options = parser.parse_args()
    if options.repeat < 3:
        parser.error("--repeat must be at least 3")

    for tool in ("pyinfra", "ansible"):
        if not (options.tools_venv / "bin" / tool).exists():
            print(f"{tool} not found in {options.tools_venv}: run bench/probe/setup.sh", file=sys.stderr)
            return 2
    # pip writes an installed package's bytecode (pyinfra's and Ansible's in their
    # venv have it); fleetctl's editable install has none until Python writes it
    # on import, which PYTHONDONTWRITEBYTECODE (set in this lab's shells)
    # forbids: every run would then compile all of fleetctl's modules again.
    compileall.compile_dir(Path(fleetctl.__file__).parent, quiet=1)
    inventory = load_inventory(options.inventory)
    names = [host.name for host in inventory.select(f"!{options.without}" if options.without else None)]
    cpu_files = container_cpu_files(names)
    if not cpu_files:
        print("note: cannot read the lab containers' cgroup CPU usage; that column stays empty", file=sys.stderr)

    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as scratch:
        options.inventory = facts_only_inventory(options.inventory, Path(scratch))
        plan = commands(options, pyinfra_inventory(options.inventory, names, Path(scratch)))
        for attempt in range(options.warmup + options.repeat):
            # Rotate the order so no tool always runs right after the same other one.
            tools = TOOLS + ((DIAGNOSTIC,) if options.diagnose else ())
            order = list(tools[attempt % len(tools):] + tools[: attempt % len(tools)])
            for tool in order:
                env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="True", ANSIBLE_NOCOLOR="1",
                           ANSIBLE_SSH_CONTROL_PATH_DIR=tempfile.mkdtemp(dir=scratch))
                run = timed(tool, plan[tool], env, names, cpu_files)
                warm_up = attempt < options.warmup
                if not warm_up:
                    runs.append(run)
                label = "warm-up" if warm_up else f"run {attempt - options.warmup + 1}"
                cpu = f"cpu {run.cpu_tool:5.1f} + {_fmt(run.cpu_hosts, 1):>5} other {_fmt(run.cpu_other, 1):>5}"
                print(f"{label:8} {tool:14.14} {run.seconds:6.2f}s  {cpu}  {'ok' if run.ok else 'FAILED'}: {run.detail}",
                      flush=True)

    shown = [command for tool, command in plan.items() if tool != DIAGNOSTIC or options.diagnose]
    print("\n" + "\n".join(f"    {' '.join(command)}" for command in shown))
    table = summary(runs, options, len(names))
    print("\n" + table)
    if options.output:
        with options.output.open("a") as output:
            output.write(table + "\n\n")
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
