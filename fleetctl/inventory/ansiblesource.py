"""Dynamic inventories (executable scripts, ``plugin:`` configurations, TOML) read by ansible-core itself.

fleetctl reads YAML and INI on its own; anything else is what ansible-core's
plugins are for, so the whole inventory path goes to its InventoryManager
(optional extra: ``pip install 'fleetctl[ansible]'``) and its groups, hosts and
inventory variables are copied into the tree. group_vars/, host_vars/ and
variable precedence are then fleetctl's, as for any inventory. ansible-core
reads its own configuration (ansible.cfg) for this, as ansible-inventory
would, and prints its own warnings. A string is templated where ansible-core
trusts it as a template (what its YAML, INI and script readers give), else
used as written (UnsafeText).
"""

from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.tree import HostNode, InventoryTree
from fleetctl.inventory.vault import INSTALL_HINT, Vault
from fleetctl.yamlfile import EncryptedValue, UnsafeText

# Variables ansible-core sets on every host itself (fleetctl gives templates its own).
_ANSIBLE_OWN_HOST_VARIABLES = ("inventory_file", "inventory_dir")


def read_with_ansible(path: str, shown_as: str, why: str, tree: InventoryTree, vault: Vault) -> None:
    """Parse the inventory path with ansible-core and copy its result into the (empty) tree."""
    try:
        from ansible import constants
        from ansible.errors import AnsibleError
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.plugins.loader import init_plugin_loader
        from ansible.utils.collection_loader import AnsibleCollectionConfig
    except ImportError:
        raise InventoryError(f"{why}: fleetctl reads it with ansible-core: {INSTALL_HINT}", shown_as) from None
    if AnsibleCollectionConfig.collection_finder is None:  # what ansible's command line does first: finds collections
        init_plugin_loader()
    loader = DataLoader()
    if vault.password_file is not None:
        loader.set_vault_secrets(vault.secrets(shown_as))
    strict = constants.INVENTORY_ANY_UNPARSED_IS_FAILED
    constants.INVENTORY_ANY_UNPARSED_IS_FAILED = True  # a source that fails is an error, not a warning
    try:
        manager = InventoryManager(loader, sources=[path])
    except AnsibleError as error:
        reason = str(error).splitlines()[0]
        raise InventoryError(f"ansible-core cannot read the inventory ({why}): {reason}", shown_as) from None
    finally:
        constants.INVENTORY_ANY_UNPARSED_IS_FAILED = strict
    _copy(manager, shown_as, tree)


def _copy(manager, shown_as: str, tree: InventoryTree) -> None:
    where = (shown_as, None)
    for host in manager.hosts.values():
        source = host.vars.get("inventory_file")
        node = tree.hosts[host.name] = HostNode(host.name, where, str(source) if source else shown_as)
        for name, value in host.vars.items():
            if name not in _ANSIBLE_OWN_HOST_VARIABLES:
                node.vars[str(name)] = _native(value)
                node.origins[str(name)] = where
    for group in manager.groups.values():
        tree.add_group(group.name, where)
        node = tree.groups[group.name]
        node.priority = group.priority
        for name, value in group.vars.items():
            node.vars[str(name)] = _native(value)
            node.origins[str(name)] = where
    for group in manager.groups.values():
        for child in group.child_groups:
            tree.add_child(group.name, child.name, where)
        for host in group.hosts:
            tree.add_host(host.name, group.name, where)


def _native(value):
    """ansible-core's tagged values as plain ones; encrypted values stay encrypted, untrusted strings unsafe."""
    from ansible.parsing.vault import EncryptedString

    if isinstance(value, EncryptedString):
        return EncryptedValue(value._ciphertext)
    if isinstance(value, str):
        return str.__new__(str, value) if _trusted(value) else UnsafeText(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return {_native(key): _native(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_native(item) for item in value]
    return value


def _trusted(text: str) -> bool:
    try:
        from ansible._internal._datatag._tags import TrustedAsTemplate
    except ImportError:  # an ansible-core without template trust templates every string
        return True
    return TrustedAsTemplate.is_tagged_on(text)
