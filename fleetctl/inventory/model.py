"""What an inventory is once loaded: hosts, groups and how to reach each host."""

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from fleetctl.inventory.app import AppSpec
from fleetctl.inventory.connection_vars import ConnectionSpec, connection_spec
from fleetctl.inventory.limit import select_hosts
from fleetctl.inventory.settings import (
    PolicySettings, RolloutSettings, app_settings, policy_settings, rollout_settings,
)
from fleetctl.inventory.tree import hosts_in_order

__all__ = ["ConnectionSpec", "Group", "Host", "Inventory"]


@dataclass(frozen=True)
class Host:
    name: str
    groups: tuple[str, ...]  # every group the host is in, ancestors included, in merge order: 'all' first
    # Its variables with every fleet_* present, rendered (jinja2) and checked when read (fleetctl.inventory.hostvars).
    vars: Mapping = field(hash=False, compare=False)
    # Its inventory variables exactly as `ansible-inventory --list` shows them: merged, not rendered.
    inventory_vars: Mapping = field(default_factory=lambda: MappingProxyType({}), hash=False, compare=False)
    base_dir: str = field(default=".", compare=False)  # the inventory's folder: relative paths start there

    @functools.cached_property
    def app(self) -> AppSpec | None:
        """The app it runs; None for a host without one (fleet_app_name unset)."""
        return app_settings(self.vars)

    @functools.cached_property
    def policy(self) -> PolicySettings:
        """Its policy variables; InventoryError when they contradict each other."""
        return policy_settings(self.name, self.vars)

    @functools.cached_property
    def rollout(self) -> RolloutSettings:
        return rollout_settings(self.vars)

    @functools.cached_property
    def connection(self) -> ConnectionSpec:
        """How to reach it; a problem with its connection variables is in .problem (the host fails when contacted)."""
        return connection_spec(self.name, self.vars, self.base_dir)


@dataclass(frozen=True)
class Group:
    name: str
    parents: tuple[str, ...]
    children: tuple[str, ...]  # in the order they were added, as Ansible keeps them
    hosts: tuple[str, ...]  # hosts listed directly in this group
    depth: int  # longest path from 'all'; deeper groups win when vars merge
    priority: int = 1  # ansible_group_priority: among groups of one depth, higher wins


@dataclass(frozen=True)
class Inventory:
    path: str
    hosts: list[Host]  # in Ansible's order (the hosts of `all`)
    groups: dict[str, Group]  # in the order they were declared; 'all' and 'ungrouped' first
    warnings: tuple[str, ...] = ()  # where Ansible would warn and go on: one line each
    # Host names in the order the sources first named them (ansible-core's inventory.hosts): a glob's
    # matches among host names, and so its subscripts, follow it. Empty: the order of `hosts`.
    hosts_as_read: tuple[str, ...] = ()

    def host(self, name: str) -> Host:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)

    def hosts_in_group(self, group_name: str) -> list[Host]:
        """The group's hosts, its children's included, in Ansible's order for the group (its `groups` variable)."""
        by_name = {host.name: host for host in self.hosts}
        if group_name not in self.groups:
            return []
        return [by_name[name] for name in hosts_in_order(self.groups, group_name)]

    def select(self, limit: str | None) -> list[Host]:
        """Hosts matching an Ansible-style --limit, in inventory order."""
        return select_hosts(self, limit)
