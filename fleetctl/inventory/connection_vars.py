"""Ansible's connection variables, as fleetctl reads them: their types and the connection types it speaks.

Checked when the inventory loads, so a typo'd type fails then rather than at
connect time. Legacy ansible_ssh_* spellings included.
"""

from dataclasses import dataclass

from fleetctl.inventory.values import Integer, LocalPath, Text, VariableValueError, describe_value


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
class Port:
    """ansible_port: an integer, or a digit string as INI-converted inventories hold."""

    label: str = "integer 1..65535"

    def check(self, name, value, base_dir):
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        return Integer(1, 65535).check(name, value, base_dir)


# ssh, smart and paramiko all reach the host over SSH; fleetctl uses its own SSH client.
CONNECTION_ALIASES = {
    "ssh": "ssh", "smart": "ssh", "paramiko": "ssh", "paramiko_ssh": "ssh",
    "ansible.builtin.ssh": "ssh", "ansible.builtin.paramiko_ssh": "ssh",
    "local": "local", "ansible.builtin.local": "local",
}


@dataclass(frozen=True)
class ConnectionType:
    label: str = "ssh \\| local"

    def check(self, name, value, base_dir):
        if value not in CONNECTION_ALIASES:
            raise VariableValueError(f"{name} must be ssh or local, got {describe_value(value)}")
        return CONNECTION_ALIASES[value]


ANSIBLE_VARIABLE_TYPES = {
    "ansible_host": Text(), "ansible_ssh_host": Text(),
    "ansible_port": Port(), "ansible_ssh_port": Port(),
    "ansible_user": Text(), "ansible_ssh_user": Text(),
    "ansible_ssh_private_key_file": LocalPath(), "ansible_private_key_file": LocalPath(),
    "ansible_connection": ConnectionType(),
    "ansible_become": AnsibleBoolean(),
    "ansible_ssh_common_args": Text(),
}

