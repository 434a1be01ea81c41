"""Load a generated 5,000-host inventory with fleetctl and with `ansible-inventory --list`, in turns.

    .venv/bin/python bench/inventory/run_inventory_bench.py [--hosts 5000] [--rounds 7] [--keep DIR]

The inventory (a YAML file, group_vars/ and host_vars/ beside it) is generated, seeded, into a temporary
folder: 5 datacenters of 10 racks (groups of groups under prod and staging), hosts spread evenly over the
racks, each also in one role group (web, api, db, cache) and the even ones in `monitored`; every group has a
group_vars file (a dozen variables, lists and mappings among them), every fifth host a host_vars file.

Each run is a whole process started from the shell, interpreter start-up and imports included:

- fleetctl: `python bench/inventory/fleetctl_list.py INVENTORY`, which loads the inventory as every
  fleetctl command does (every host's merged and checked variables) and prints each host's variables as
  JSON, the work `ansible-inventory --list` does;
- Ansible: `ansible-inventory -i INVENTORY --list` (ansible-core, from the same virtualenv).

Both outputs go to a file, which is then checked: a run counts only if it lists every host, and in the
warm-up round (one run of each, discarded) both must list the same variables for every host. Then the two
take turns, the order alternating each round. It prints the medians (and min..max), the ratio of the
medians, the median of the per-round ratios, the 1-minute load average seen, and each tool's CPU seconds
(user + system, its child processes included), which depend far less than wall time on what else the
machine runs.
"""

import argparse
import json
import os
import random
import resource
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
ROLES = (("web", 0.6), ("api", 0.25), ("db", 0.1), ("cache", 0.05))
DATACENTERS, RACKS = 5, 10


def generate(folder: Path, host_count: int) -> Path:
    """Write the inventory, its group_vars/ and host_vars/ into folder; the inventory file's path."""
    chance = random.Random(5000)
    racks = [(dc, rack) for dc in range(1, DATACENTERS + 1) for rack in range(1, RACKS + 1)]
    rack_hosts: dict[str, dict] = {f"dc{dc}_r{rack:02}": {} for dc, rack in racks}
    roles: dict[str, dict] = {role: {} for role, _ in ROLES}
    monitored: dict[str, None] = {}
    for number in range(host_count):
        dc, rack = racks[number % len(racks)]
        name = f"dc{dc}-r{rack:02}-n{number // len(racks) + 1:03}"
        host_vars = {"ansible_host": f"10.{dc}.{rack}.{number // len(racks) + 1}"}
        if number % 7 == 0:
            host_vars["ansible_port"] = 2222
        rack_hosts[f"dc{dc}_r{rack:02}"][name] = host_vars
        role = chance.choices([role for role, _ in ROLES], [weight for _, weight in ROLES])[0]
        roles[role][name] = None
        if number % 2 == 0:
            monitored[name] = None
    datacenters = {f"dc{dc}": {"children": {f"dc{dc}_r{rack:02}": {"hosts": rack_hosts[f"dc{dc}_r{rack:02}"]}
                                            for rack in range(1, RACKS + 1)}}
                   for dc in range(1, DATACENTERS + 1)}
    document = {"all": {
        "vars": {"ansible_user": "deploy", "ntp_servers": ["ntp1.example.com", "ntp2.example.com"]},
        "children": {
            "prod": {"children": {name: body for name, body in datacenters.items() if name != f"dc{DATACENTERS}"}},
            "staging": {"children": {f"dc{DATACENTERS}": datacenters[f"dc{DATACENTERS}"]}},
            **{role: {"hosts": hosts} for role, hosts in roles.items()},
            "monitored": {"hosts": monitored},
        },
    }}
    inventory = folder / "fleet.yml"
    inventory.write_text(yaml.safe_dump(document, sort_keys=False))
    group_names = (["all", "prod", "staging", "monitored"] + [role for role, _ in ROLES]
                   + list(datacenters) + list(rack_hosts))
    (folder / "group_vars").mkdir()
    for group in group_names:
        variables = {
            f"{group}_label": f"group {group}",
            "syslog_server": f"syslog.{group}.example.com",
            "max_connections": chance.randrange(100, 2000),
            "feature_flags": {f"flag_{index}": chance.random() < 0.5 for index in range(6)},
            "packages": [f"pkg-{chance.randrange(1000)}" for _ in range(5)],
            "limits": {"nofile": chance.randrange(1024, 65536), "nproc": chance.randrange(512, 4096)},
            "motd": f"Managed host in {group}",
            "backup_hour": chance.randrange(24),
            "timezone": "UTC",
            "dns": {"search": [f"{group}.example.com", "example.com"], "servers": ["10.0.0.2", "10.0.0.3"]},
        }
        (folder / "group_vars" / f"{group}.yml").write_text(yaml.safe_dump(variables, sort_keys=False))
    (folder / "host_vars").mkdir()
    for index, name in enumerate(name for hosts in rack_hosts.values() for name in hosts):
        if index % 5 == 0:
            variables = {"serial_number": f"SN{chance.randrange(10**8):08}", "rack_unit": chance.randrange(1, 42),
                         "disks": [f"/dev/sd{letter}" for letter in "abc"[: chance.randrange(1, 4)]]}
            (folder / "host_vars" / f"{name}.yml").write_text(yaml.safe_dump(variables, sort_keys=False))
    return inventory


def timed(command: list[str], output: Path, environment: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with output.open("w") as stdout:
        subprocess.run(command, stdout=stdout, stderr=subprocess.DEVNULL, env=environment, check=True, timeout=900)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def listed_hostvars(output: Path, tool: str) -> dict:
    """Host -> variables, from either tool's output."""
    document = json.loads(output.read_text())
    return document["_meta"]["hostvars"] if tool == "ansible-inventory --list" else document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write the inventory into this (new) folder and keep it")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="fleetctl-inventory-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        run(options, folder)
    finally:
        if not options.keep:
            shutil.rmtree(folder)


def run(options, folder: Path) -> None:
    inventory = generate(folder, options.hosts)
    scratch = folder / "out.json"
    config = folder / "ansible.cfg"  # no ansible.cfg of the machine's
    config.write_text("")
    environment = {**os.environ, "ANSIBLE_CONFIG": str(config), "PYTHONPATH": str(REPO)}
    tools = {
        "fleetctl": [sys.executable, str(REPO / "bench" / "inventory" / "fleetctl_list.py"), str(inventory)],
        "ansible-inventory --list": [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(inventory),
                                     "--list"],
    }
    times: dict[str, list[float]] = {tool: [] for tool in tools}
    cpu: dict[str, list[float]] = {tool: [] for tool in tools}
    loads = [os.getloadavg()[0]]
    listed = {}
    for round_number in range(options.rounds + 1):  # round 0 warms the file cache and is not counted
        order = list(tools) if round_number % 2 else list(reversed(tools))
        for tool in order:
            seconds, cpu_seconds = timed(tools[tool], scratch, environment)
            hostvars = listed_hostvars(scratch, tool)
            if len(hostvars) != options.hosts:
                sys.exit(f"{tool} listed {len(hostvars)} hosts, not {options.hosts}")
            if round_number == 0:
                listed[tool] = hostvars
            if round_number:
                times[tool].append(seconds)
                cpu[tool].append(cpu_seconds)
            loads.append(os.getloadavg()[0])
        if round_number == 0 and listed["fleetctl"] != listed["ansible-inventory --list"]:
            host = next(name for name, variables in listed["fleetctl"].items()
                        if variables != listed["ansible-inventory --list"].get(name))
            sys.exit(f"the two list different variables, first for {host}")
    fleet, ansible = times["fleetctl"], times["ansible-inventory --list"]
    ratios = [mine / theirs for mine, theirs in zip(fleet, ansible)]
    files = sum(1 for _ in (folder / "group_vars").iterdir()) + sum(1 for _ in (folder / "host_vars").iterdir())
    print(f"{options.hosts} hosts, {files} group_vars and host_vars files; {options.rounds} rounds; "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"1-minute load average {min(loads):.1f} to {max(loads):.1f}")
    print()
    print("| tool | median s | min..max s | x ansible-inventory | CPU s (median) | CPU x ansible-inventory |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for tool, runs in times.items():
        ratio = statistics.median(runs) / statistics.median(ansible)
        cpu_ratio = statistics.median(cpu[tool]) / statistics.median(cpu["ansible-inventory --list"])
        print(f"| {tool} | {statistics.median(runs):.2f} | {min(runs):.2f}..{max(runs):.2f} | {ratio:.2f}x "
              f"| {statistics.median(cpu[tool]):.2f} | {cpu_ratio:.2f}x |")
    print()
    print(f"median of the per-round ratios fleetctl / ansible-inventory: {statistics.median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{ratio:.2f}' for ratio in ratios)})")


if __name__ == "__main__":
    main()
