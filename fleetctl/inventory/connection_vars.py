"""How to reach a host, from Ansible's connection variables (legacy ansible_ssh_* spellings included).

They matter only when the host is contacted, so they are read and checked
then, per host, as Ansible does: a host with a connection fleetctl does not
speak (docker, winrm...), a port that is not a number, a template that does not
render, fails that host, when it is selected, and no other. The problem
travels in the ConnectionSpec and the transport refuses to connect with it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.values import Integer, LocalPath, Text, VariableValueError, describe_value

ADDRESS_VARIABLES = ("ansible_host", "ansible_ssh_host")
PORT_VARIABLES = ("ansible_port", "ansible_ssh_port")
USER_VARIABLES = ("ansible_user", "ansible_ssh_user")
KEY_VARIABLES = ("ansible_ssh_private_key_file", "ansible_private_key_file")
# Seconds to establish a connection (TCP, SSH banner, key exchange, authentication): Ansible's ssh and paramiko
# connection plugins' `timeout`.
TIMEOUT_VARIABLES = ("ansible_ssh_timeout", "ansible_paramiko_timeout")
# An address ssh can take as a destination: no whitespace, and no leading '-' (it would be read as an option).
_USABLE_ADDRESS = re.compile(r"[^\s-]\S*")

# ssh, smart and paramiko all reach the host over SSH; fleetctl uses its own SSH client.
CONNECTION_ALIASES = {
    "ssh": "ssh", "smart": "ssh", "paramiko": "ssh", "paramiko_ssh": "ssh",
    "ansible.builtin.ssh": "ssh", "ansible.builtin.paramiko_ssh": "ssh",
    "local": "local", "ansible.builtin.local": "local",
}


@dataclass(frozen=True)
class ConnectionSpec:
    """How to reach one host; None means "let ~/.ssh/config (or ssh's default) decide"."""

    name: str
    address: str
    port: int | None
    user: str | None
    key_file: str | None
    connection: str  # 'ssh' | 'local', or what the inventory says (the transport refuses what it does not speak)
    become: bool
    known_hosts_file: str | None
    ssh_common_args: str | None
    trust_on_first_use: bool = False  # fleet_trust_on_first_use: record unknown host keys
    connect_timeout: int | None = None  # seconds; None: ssh_config's ConnectTimeout, else the transport's default
    problem: str | None = None  # why the host cannot be contacted as its variables stand (one line)


@dataclass(frozen=True)
class AnsibleBoolean:
    """Ansible's loose booleans (yes/no/true/false/1/0), as existing inventories use them."""

    label: str = "boolean"

    def check(self, name, value, base_dir):
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower() if isinstance(value, (str, int)) else None
        if lowered in ("yes", "true", "on", "1", "y"):
            return True
        if lowered in ("no", "false", "off", "0", "n"):
            return False
        raise VariableValueError(f"{name} must be a boolean, got {describe_value(value)}")


@dataclass(frozen=True)
class WholeNumber(Integer):
    """An integer, or a digit string as INI-converted inventories hold (ansible_port, ansible_ssh_timeout)."""

    def check(self, name, value, base_dir):
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        return super().check(name, value, base_dir)


def connection_spec(name: str, variables: Mapping, base_dir: str) -> ConnectionSpec:
    """The host's ConnectionSpec; a problem with its variables is recorded in it, never raised."""
    reader = _Reader(name, variables, base_dir)
    try:
        return reader.spec()
    except InventoryError as error:
        return ConnectionSpec(name=name, address=name, port=None, user=None, key_file=None, connection="ssh",
                              become=False, known_hosts_file=None, ssh_common_args=None, problem=str(error))


class _Reader:
    def __init__(self, name: str, variables: Mapping, base_dir: str):
        self.name, self.variables, self.base_dir = name, variables, base_dir

    def spec(self) -> ConnectionSpec:
        connection = self.first(("ansible_connection",), Text()) or "ssh"
        connection = CONNECTION_ALIASES.get(connection, connection)
        address = self.first(ADDRESS_VARIABLES, Text(), empty_is_missing=True)
        if connection != "local":
            self.check_address(address)
        return ConnectionSpec(
            name=self.name,
            address=address if address is not None else self.name,
            port=self.first(PORT_VARIABLES, WholeNumber(1, 65535)),
            user=self.first(USER_VARIABLES, Text()),
            key_file=self.first(KEY_VARIABLES, LocalPath()),
            connection=connection,
            become=self.first(("ansible_become",), AnsibleBoolean()) or False,
            known_hosts_file=self.variables.get("fleet_known_hosts_file"),
            ssh_common_args=self.first(("ansible_ssh_common_args",), Text()),
            trust_on_first_use=bool(self.variables.get("fleet_trust_on_first_use", False)),
            connect_timeout=self.first(TIMEOUT_VARIABLES, WholeNumber(1)),
        )

    def first(self, names: tuple[str, ...], value_type, empty_is_missing: bool = False):
        """The first of ``names`` set to something other than null, checked against its type."""
        for name in names:
            value = self.variables.get(name)
            if empty_is_missing and name in self.variables and (value is None or isinstance(value, str)
                                                                 and not value.strip()):
                self.fail(name, f"missing address: {name} is empty (set it, or remove it to use the host name)")
            if value is None:
                continue
            try:
                return value_type.check(name, value, self.base_dir)
            except VariableValueError as error:
                self.fail(name, str(error))
        return None

    def check_address(self, explicit: str | None):
        address = explicit if explicit is not None else self.name
        if not _USABLE_ADDRESS.fullmatch(address):
            why = f"ansible_host {address!r}" if explicit is not None else f"its name {address!r}"
            name = next((name for name in ADDRESS_VARIABLES if self.variables.get(name) is not None), None)
            self.fail(name, f"no usable address: {why} cannot be an SSH destination; set ansible_host")

    def fail(self, variable: str | None, message: str):
        if variable is None:  # the host's name: where the host is listed
            path, line = getattr(self.variables, "listed_at", (None, None))
        else:
            where = getattr(self.variables, "where", None)
            path, line = where(variable) if where else (None, None)
        raise InventoryError(f"host {self.name}: {message}", path, line)
