"""ansible-core's own reading of an inventory, through its Python API, in the shape fleetctl's is compared in.

The peer of the differential tests: InventoryManager for hosts, their order
and groups, VariableManager.get_vars for each host's variables (what
`ansible-inventory --list` prints in _meta.hostvars), Templar for rendered
templates. ansible-core reads an empty ansible.cfg here.
"""

import datetime
import os
import tempfile
from collections.abc import MutableSet
from pathlib import Path

import pytest

# An empty configuration: no ansible.cfg of the machine or the checkout changes what ansible-core does.
_EMPTY_CONFIG = Path(tempfile.mkdtemp(prefix="fleetctl-ansible-")) / "ansible.cfg"
_EMPTY_CONFIG.write_text("")
os.environ.setdefault("ANSIBLE_CONFIG", str(_EMPTY_CONFIG))
pytest.importorskip("ansible")

from ansible import constants  # noqa: E402
from ansible.errors import AnsibleUndefinedVariable  # noqa: E402, F401 - for tests that expect it
from ansible.inventory import group as group_module  # noqa: E402
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.parsing.vault import (  # noqa: E402
    EncryptedString, VaultLib, VaultSecretsContext, get_file_vault_secret,
)
from ansible.utils.display import Display  # noqa: E402
from ansible.vars.hostvars import HostVars  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402

from fleetctl.yamlfile import EncryptedValue  # noqa: E402


class _InsertionOrderedSet(MutableSet):
    """A set that iterates in insertion order.

    ansible-core walks the levels of the group tree below the first as sets of
    Group objects, whose order follows their memory addresses: where two groups
    of one level both have children, its host order varies from run to run.
    With this set in ansible.inventory.group its walk keeps the order groups
    were reached in: the one order fleetctl documents and gives.
    """

    def __init__(self, items=()):
        self._items = dict.fromkeys(items)

    def __contains__(self, item):
        return item in self._items

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)

    def add(self, item):
        self._items[item] = None

    def discard(self, item):
        self._items.pop(item, None)

    def update(self, *others):
        for other in others:
            for item in other:
                self.add(item)

    def difference_update(self, *others):
        for other in others:
            for item in list(other):
                self.discard(item)

    def copy(self):
        return _InsertionOrderedSet(self._items)


group_module.set = _InsertionOrderedSet


def plain(value):
    """A variable's value with the types of each side made comparable (tagged strings, encrypted values)."""
    if isinstance(value, (EncryptedValue, EncryptedString)):
        text = value.ciphertext if isinstance(value, EncryptedValue) else value._ciphertext
        return ("vault", text.strip())
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str.__new__(str, value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    raise TypeError(f"unexpected value type {type(value)}")


class AnsibleView:
    """One inventory as ansible-core reads it."""

    def __init__(self, path: Path, vault_password_file: str | None = None, playbook_dir: Path | None = None,
                 basedir: Path | None = None):
        self.warnings: list[str] = []
        loader = DataLoader()
        # The playbook folder (ansible-inventory --playbook-dir); without one, a folder with no group_vars/.
        loader.set_basedir(str(playbook_dir or basedir or Path(path).parent / "__no_playbook__"))
        if vault_password_file:
            secret = get_file_vault_secret(filename=vault_password_file, vault_id="default", loader=loader)
            secret.load()
            loader.set_vault_secrets([("default", secret)])
            # What ansible's command line sets up once per process: the secrets templates decrypt with.
            VaultSecretsContext._current = VaultSecretsContext([("default", secret)])
        warning = Display.warning
        Display.warning = lambda display, *args, **kwargs: self.warnings.append(str(kwargs.get("msg", *args[:1])))
        try:
            self.manager = InventoryManager(loader, sources=[str(path)])
            self.variables = VariableManager(loader=loader, inventory=self.manager)
            # What a play's task queue sets up: templates can read other hosts' variables.
            self.variables._hostvars = HostVars(inventory=self.manager, variable_manager=self.variables, loader=loader)
        finally:
            Display.warning = warning

    @property
    def hosts(self) -> list[str]:
        return [host.name for host in self.manager.get_hosts("all")]

    @property
    def groups(self) -> dict:
        return {group.name: {"hosts": [host.name for host in group.hosts],
                             "children": [child.name for child in group.child_groups],
                             "depth": group.depth, "priority": group.priority}
                for group in self.manager.groups.values()}

    def group_hosts(self, group: str) -> list[str]:
        return [host.name for host in self.manager.groups[group].get_hosts()]

    def raw_vars(self, host: str) -> dict:
        """The host's variables as `ansible-inventory --list` shows them (not rendered)."""
        found = self.variables.get_vars(host=self.manager.get_host(host), include_hostvars=False, stage="all")
        return {name: plain(value) for name, value in found.items() if name not in constants.INTERNAL_STATIC_VARS}

    def all_raw_vars(self) -> dict:
        return {host: self.raw_vars(host) for host in self.hosts}

    def rendered(self, host: str, name: str):
        """The variable as a task on the host would see it: templated, decrypted."""
        from ansible.template import Templar

        found = self.variables.get_vars(host=self.manager.get_host(host), include_hostvars=True)
        value = Templar(loader=self.variables._loader, variables=found).template(found[name])
        return plain(_decrypted(value))


def _decrypted(value):
    if isinstance(value, EncryptedString):
        return str(value)
    if isinstance(value, dict):
        return {key: _decrypted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decrypted(item) for item in value]
    return value


def fleetctl_view(inventory) -> dict:
    """fleetctl's inventory in the oracle's shape."""
    return {
        "hosts": [host.name for host in inventory.hosts],
        "groups": {name: {"hosts": list(group.hosts), "children": list(group.children), "depth": group.depth,
                          "priority": group.priority} for name, group in inventory.groups.items()},
        "hostvars": {host.name: {name: plain(value) for name, value in host.inventory_vars.items()}
                     for host in inventory.hosts},
    }


def ansible_view(path: Path, **options) -> dict:
    view = AnsibleView(path, **options)
    return {"hosts": view.hosts, "groups": view.groups, "hostvars": view.all_raw_vars()}


def ansible_host_pattern(pattern: str) -> tuple[list[str], int | None]:
    """(names, port) as ansible-core's inventory plugins expand a host pattern."""
    from ansible.plugins.inventory import BaseFileInventoryPlugin

    names, port = BaseFileInventoryPlugin()._expand_hostpattern(pattern)
    return list(names), port


def ansible_parse_address(text: str, allow_ranges: bool) -> tuple[str, int | None]:
    """(host, port) as ansible-core parses a host identifier; its exception when it does not."""
    from ansible.parsing.utils.addresses import parse_address

    return parse_address(text, allow_ranges=allow_ranges)


def vault_encrypt(plaintext: str, password: str) -> str:
    """ansible-vault's ciphertext of plaintext (what `ansible-vault encrypt_string` writes under !vault)."""
    from ansible.parsing.vault import VaultSecret

    return VaultLib([("default", VaultSecret(password.encode()))]).encrypt(plaintext).decode()
