"""Ansible inventories (YAML, INI, folders, dynamic): hosts, groups, merged variables, --limit, and each host's typed settings."""

from fleetctl.inventory.app import FLEET_ETC, AppSpec
from fleetctl.inventory.docs import variables_markdown
from fleetctl.inventory.errors import InventoryError, RoleError
from fleetctl.inventory.loader import load_inventory
from fleetctl.inventory.model import ConnectionSpec, Group, Host, Inventory
from fleetctl.inventory.schema import FLEET_VARIABLES
from fleetctl.inventory.settings import PolicySettings, RolloutSettings

__all__ = [
    "AppSpec",
    "ConnectionSpec",
    "FLEET_ETC",
    "FLEET_VARIABLES",
    "Group",
    "Host",
    "Inventory",
    "InventoryError",
    "PolicySettings",
    "RoleError",
    "RolloutSettings",
    "load_inventory",
    "variables_markdown",
]
