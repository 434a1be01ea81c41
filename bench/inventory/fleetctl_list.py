"""What `ansible-inventory --list` does, done by fleetctl: load an inventory, print each host's variables as JSON.

    python bench/inventory/fleetctl_list.py INVENTORY > hosts.json

Loading is what every fleetctl command does before it contacts a host: every host's variables merged and
checked. The JSON maps each host to its variables, as `_meta.hostvars` of `ansible-inventory --list`.
"""

import json
import sys

from fleetctl.inventory import load_inventory


def main() -> None:
    inventory = load_inventory(sys.argv[1])
    json.dump({host.name: dict(host.vars) for host in inventory.hosts}, sys.stdout, default=str, sort_keys=True,
              indent=4)


if __name__ == "__main__":
    main()
