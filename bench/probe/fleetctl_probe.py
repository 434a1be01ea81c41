"""Probe hosts with fleetctl's engine (probe_hosts), as a command so it is timed like the others.

Usage: python fleetctl_probe.py INVENTORY FORKS HOST [HOST...]
Prints one line per host: name, then kind/arch/cpus/memory or the error.
Exits 1 if any host failed.
"""

import dataclasses
import sys

from fleetctl.facts import probe_hosts
from fleetctl.inventory import load_inventory


def main(argv: list[str]) -> int:
    inventory_path, forks, names = argv[0], int(argv[1]), argv[2:]
    hosts = {host.name: host for host in load_inventory(inventory_path).hosts}
    # Facts need no root: probe as the login user, as pyinfra and Ansible do here.
    specs = [dataclasses.replace(hosts[name].connection, become=False) for name in names]
    results = probe_hosts(specs, forks=forks)
    for result in results:
        if result.ok:
            facts = result.facts
            print(f"{result.name} {facts.kind} {facts.arch} {facts.cpus_effective:g} {facts.memory_effective_mb}")
        else:
            print(result.error)
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
