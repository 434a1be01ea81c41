"""Roles and inventories written into a test's folder: write(), and web hosts behind an nginx-lb load balancer."""

import textwrap

from fleetctl.inventory import load_inventory
from fleetctl.roles.render import inventory_roles


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


LB_INVENTORY = """\
all:
  vars:
    fleet_app_name: hello
    fleet_app_src: app
    fleet_app_port: 3000
  children:
    web:
      hosts:
        web1: {ansible_host: 10.0.0.1}
        web2: {ansible_host: 10.0.0.2, fleet_app_port: 3001}
    lb:
      hosts:
        lb1: {ansible_host: 10.0.0.9}
      vars:
        fleet_app_name: null
        fleet_roles: [nginx-lb]
"""


def lb_inventory(tmp_path, extra_lb_vars=""):
    text = LB_INVENTORY + textwrap.indent(textwrap.dedent(extra_lb_vars), " " * 8)
    inventory = load_inventory(write(tmp_path / "inventory.yaml", text))
    return inventory, inventory_roles(inventory, inventory.hosts)
