"""What `ansible-inventory --list` does, done by fleetctl: load an inventory, print each host's variables as JSON.

    python bench/inventory/fleetctl_list.py INVENTORY > hosts.json

Loading is what every fleetctl command does before it contacts a host: every host's variables merged and
checked. The JSON maps each host to its inventory variables (`host.inventory_vars`: merged, not rendered),
what `ansible-inventory --list` prints in `_meta.hostvars`.
"""

import json
import sys

from fleetctl.inventory import load_inventory


def main() -> None:
    inventory = load_inventory(sys.argv[1])
    json.dump({host.name: dict(host.inventory_vars) for host in inventory.hosts}, sys.stdout, default=str,
              sort_keys=True, indent=4)


if __name__ == "__main__":
    main()
