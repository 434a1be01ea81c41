"""Ansible YAML inventories: hosts, groups, merged variables, --limit."""

from fleetctl.inventory.app import AppSpec, app_spec
from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.loader import load_inventory
from fleetctl.inventory.model import ConnectionSpec, Group, Host, Inventory
from fleetctl.inventory.variables import FLEET_VARIABLES, variables_markdown

__all__ = [
    "AppSpec",
    "ConnectionSpec",
    "FLEET_VARIABLES",
    "Group",
    "Host",
    "Inventory",
    "InventoryError",
    "app_spec",
    "load_inventory",
    "variables_markdown",
]
