"""An inventory path (a YAML or INI file, a folder of them, or a dynamic inventory) -> Inventory.

The hosts, their order, the groups and each host's merged variables are what
ansible-core 2.19 gives for the same path (``ansible-inventory --list``).
Variables merge in Ansible's default VARIABLE_PRECEDENCE, lowest first:
inline vars of ``all``; inline vars of the host's other groups, sorted by depth,
then ansible_group_priority, then name; group_vars/all; group_vars of those
groups in that order; inline host vars; host_vars. group_vars/ and host_vars/
are read beside the inventory (the file's folder, or the folder given), then
beside the playbook folder when one is given, which wins, as in Ansible. Each
layer replaces whole values (Ansible's default hash_behaviour). The defaults of
the roles a host lists in fleet_roles, and fleetctl's own, sit below all of
these (fleetctl.inventory.hostvars).

Loading stays cheap for thousands of hosts: nothing is rendered; only fleet_*
values written as they are (no template) are checked here, so a typo stops
the command at its file and line before any host is contacted.
"""

import os
from pathlib import Path
from types import MappingProxyType

from fleetctl.inventory.ansiblesource import read_with_ansible
from fleetctl.inventory.datafiles import DataFiles
from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.hostvars import HostVars, InventoryScope
from fleetctl.inventory.model import Group, Host, Inventory
from fleetctl.inventory.rendering import Templates, needs_rendering
from fleetctl.inventory.schema import FLEET_PREFIX, check_variable
from fleetctl.inventory.sources import SourceKind, inventory_files, read_static, source_kind
from fleetctl.inventory.tree import ALL, InventoryTree, hosts_in_order
from fleetctl.inventory.values import VariableValueError
from fleetctl.inventory.varsfiles import VarsFolder, VarsLayer
from fleetctl.inventory.vault import Vault, password_file_from


def load_inventory(path, vault_password_file: str | None = None, playbook_dir=None) -> Inventory:
    """Read an inventory; any problem raises InventoryError (one line naming the file and line).

    vault_password_file: for ansible-vault encrypted values and files (default: ANSIBLE_VAULT_PASSWORD_FILE).
    playbook_dir: a folder whose group_vars/ and host_vars/ also count, above the inventory's (as a playbook's).
    """
    vault = Vault(password_file_from(vault_password_file))
    return _Loader(Path(path), str(path), vault, playbook_dir).load()


class _InlineLayer:
    """The vars written in an inventory file for one group or host."""

    __slots__ = ("vars", "origins")

    def __init__(self, node):
        self.vars, self.origins = node.vars, node.origins

    def where(self, name) -> tuple:
        return self.origins.get(name, (None, None))


class _Loader:
    def __init__(self, path: Path, shown_as: str, vault: Vault, playbook_dir):
        self.path = path
        self.shown_as = shown_as
        self.vault = vault
        self.tree = InventoryTree()
        self.files = DataFiles(vault, self.tree.warnings)
        # group_vars/ sits beside the path as given (for a symlinked inventory file, the link's folder), as in Ansible.
        folder, shown_folder = (path, shown_as) if path.is_dir() else (path.parent, os.path.dirname(shown_as))
        self.base_dir = os.path.abspath(folder)
        self.vars_folders = [VarsFolder(folder, shown_folder, self.files, self.tree.warnings)]
        if playbook_dir is not None:
            self.vars_folders.append(VarsFolder(Path(playbook_dir), str(playbook_dir), self.files, self.tree.warnings))

    def load(self) -> Inventory:
        if not self.path.exists():
            raise InventoryError("cannot read file: No such file or directory", self.shown_as)
        self._read_sources()
        self.tree.reconcile()
        if not self.tree.hosts:
            raise InventoryError("the inventory defines no hosts", self.shown_as)
        self._check_inline_values()
        return self._build()

    def _read_sources(self):
        files = inventory_files(self.path, self.shown_as)
        for file, shown in files:
            kind = source_kind(file, shown, self.files)
            if kind is not SourceKind.STATIC:
                read_with_ansible(str(self.path), self.shown_as, f"{shown} is {kind.value}", self.tree, self.vault)
                return
        for file, shown in files:
            read_static(file, shown, self.files, self.tree)

    # --- checks of the values written as they are ------------------------------

    def _check_inline_values(self):
        for node in (*self.tree.groups.values(), *self.tree.hosts.values()):
            layer = _InlineLayer(node)
            for name, value in node.vars.items():
                self._check(name, value, layer)

    def _check(self, name, value, layer):
        if isinstance(name, str) and name.startswith(FLEET_PREFIX):
            try:
                check_variable(name, value, self.base_dir, names_only=needs_rendering(value))
            except VariableValueError as error:
                raise InventoryError(str(error), *layer.where(name)) from None

    def _file_layers(self, layers: list[VarsLayer]) -> list[VarsLayer]:
        for layer in layers:
            for name, value in layer.vars.items():
                self._check(name, value, layer)
        return layers

    # --- the result --------------------------------------------------------------

    def _build(self) -> Inventory:
        tree = self.tree
        # (folder, group) -> its group_vars files, read once for every host of the group
        group_files = {(index, name): self._file_layers(folder.group_layers(name))
                       for index, folder in enumerate(self.vars_folders) for name in tree.groups}
        scope = InventoryScope(Templates(), self.vault, self.base_dir,
                               lambda: {name: hosts_in_order(tree.groups, name) for name in tree.groups})
        ancestors = {name: tree.ancestors(name) for name in tree.groups}
        inline = {name: _InlineLayer(node) for name, node in tree.groups.items()}
        hosts = []
        for name in tree.hosts_in_order(ALL):
            node = tree.hosts[name]
            member_of = {ALL}
            for group in node.direct_groups:
                member_of.add(group)
                member_of |= ancestors[group]
            groups = sorted(member_of, key=lambda group: (tree.groups[group].depth, tree.groups[group].priority, group))
            layers = self._host_layers(node, groups, inline, group_files)
            merged: dict = {}
            for layer in layers:
                merged.update(layer.vars)
            inventory_vars = MappingProxyType(merged)
            variables = HostVars(
                name, inventory_vars, _where_in(layers), scope,
                group_names=sorted(group for group in groups if group != ALL),
                inventory_file=os.path.abspath(node.source) if node.source else None,
                listed_at=node.where,
            )
            scope.hostvars[name] = variables
            hosts.append(Host(name, tuple(groups), variables, inventory_vars, self.base_dir))
        groups = {
            node.name: Group(node.name, tuple(node.parents), tuple(node.children), tuple(node.hosts), node.depth,
                             node.priority)
            for node in tree.groups.values()
        }
        return Inventory(self.shown_as, hosts, groups, tuple(tree.warnings), tuple(tree.hosts))

    def _host_layers(self, node, groups: list[str], inline: dict, group_files: dict) -> list:
        """The host's variable layers, lowest first (Ansible's VARIABLE_PRECEDENCE)."""
        others = [group for group in groups if group != ALL]
        layers: list = [inline[ALL]]
        layers += [inline[group] for group in others]
        folders = range(len(self.vars_folders))
        layers += [layer for index in folders for layer in group_files[index, ALL]]
        layers += [layer for index in folders for group in others for layer in group_files[index, group]]
        layers.append(_InlineLayer(node))
        for folder in self.vars_folders:
            layers += self._file_layers(folder.host_layers(node.name))
        return layers


def _where_in(layers: list):
    """name -> (file, line) of the layer whose value won (looked up only for an error message)."""
    def where(name) -> tuple:
        for layer in reversed(layers):
            if name in layer.vars:
                return layer.where(name)
        return None, None
    return where
