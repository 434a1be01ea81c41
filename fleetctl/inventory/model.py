"""What an inventory is once loaded: hosts, groups and how to reach each host."""

import functools
from dataclasses import dataclass, field
from types import MappingProxyType

from fleetctl.inventory.app import AppSpec
from fleetctl.inventory.limit import select_hosts
from fleetctl.inventory.settings import (
    PolicySettings, RolloutSettings, app_settings, policy_settings, rollout_settings,
)


@dataclass(frozen=True)
class ConnectionSpec:
    """How to reach one host; None means "let ~/.ssh/config (or ssh's default) decide"."""

    name: str
    address: str
    port: int | None
    user: str | None
    key_file: str | None
    connection: str  # 'ssh' | 'local'
    become: bool
    known_hosts_file: str | None
    ssh_common_args: str | None
    trust_on_first_use: bool = False  # fleet_trust_on_first_use: record unknown host keys


@dataclass(frozen=True)
class Host:
    name: str
    groups: tuple[str, ...]  # every group the host is in, ancestors included, 'all' first
    vars: MappingProxyType = field(hash=False, compare=False)  # merged; every fleet_* present

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

    @property
    def connection(self) -> ConnectionSpec:
        v = self.vars
        return ConnectionSpec(
            name=self.name,
            address=_first(v, "ansible_host", "ansible_ssh_host") or self.name,
            port=_first(v, "ansible_port", "ansible_ssh_port"),
            user=_first(v, "ansible_user", "ansible_ssh_user"),
            key_file=_first(v, "ansible_ssh_private_key_file", "ansible_private_key_file"),
            connection=v.get("ansible_connection", "ssh"),
            become=v.get("ansible_become", False),
            known_hosts_file=v.get("fleet_known_hosts_file"),
            ssh_common_args=v.get("ansible_ssh_common_args"),
            trust_on_first_use=v.get("fleet_trust_on_first_use", False),
        )


def _first(variables, *names):
    for name in names:
        if variables.get(name) is not None:
            return variables[name]
    return None


@dataclass(frozen=True)
class Group:
    name: str
    parents: tuple[str, ...]
    children: tuple[str, ...]
    hosts: tuple[str, ...]  # hosts listed directly in this group
    depth: int  # longest path from 'all'; deeper groups win when vars merge


@dataclass(frozen=True)
class Inventory:
    path: str
    hosts: list[Host]
    groups: dict[str, Group]

    def host(self, name: str) -> Host:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)

    def hosts_in_group(self, group_name: str) -> list[Host]:
        return [host for host in self.hosts if group_name in host.groups]

    def select(self, limit: str | None) -> list[Host]:
        """Hosts matching an Ansible-style --limit, in inventory order."""
        return select_hosts(self, limit)
