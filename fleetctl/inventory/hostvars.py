"""One host's variables as fleetctl reads them: rendered and checked on first read, then kept.

The merged inventory variables of a host are the raw layer. Below them sit
the defaults of the roles it lists in fleet_roles, then every fleet_*
variable's default. Reading a variable renders its templates over the host's
variables and Ansible's magic variables (inventory_hostname, group_names,
groups, hostvars, inventory_dir, inventory_file), decrypts vault values, and
checks a fleet_* value against its type. Nothing is rendered before it is
read, so a host --limit leaves out, or a variable nothing reads, never fails
a command. Errors name the host and the variable, and the file and line that
set it; a value that comes from ansible-vault is never shown.
"""

import functools
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.rendering import Templates, TemplateFailure, needs_rendering
from fleetctl.inventory.roledefaults import role_defaults_layer
from fleetctl.inventory.schema import FLEET_PREFIX, FLEET_VARIABLES_BY_NAME, check_variable, fleet_defaults
from fleetctl.inventory.values import VariableValueError
from fleetctl.inventory.vault import Vault, VaultError
from fleetctl.yamlfile import EncryptedValue

Where = tuple  # (file as shown, line or None)
ROLES_VARIABLE = "fleet_roles"


class UndefinedVariable(InventoryError):
    """A template names a variable that is not defined (for a host); detail is jinja2's words for it."""

    def __init__(self, message: str, path=None, line=None, detail: str = ""):
        super().__init__(message, path, line)
        self.detail = detail


@dataclass
class _Reading:
    """A variable being rendered; secret: it read an encrypted value (its errors must not show it)."""

    host: str
    name: str
    secret: bool = False


class InventoryScope:
    """What the hosts of one inventory share while their variables render: templates, vault, hosts, groups."""

    def __init__(self, templates: Templates, vault: Vault, base_dir: str, group_hosts: Callable[[], dict]):
        self.templates = templates
        self.vault = vault
        self.base_dir = base_dir
        self.hostvars: dict[str, "HostVars"] = {}
        self._group_hosts = group_hosts
        self._groups: dict | None = None
        # One lock for every host: a template may read another host's variables (hostvars[...]).
        self.lock = threading.RLock()
        self.in_progress: list[_Reading] = []  # the variables being rendered, outermost first

    @property
    def groups(self) -> dict:
        if self._groups is None:
            self._groups = self._group_hosts()
        return self._groups


class HostVars(Mapping):
    """The variables of one host: fleet defaults < role defaults < inventory; rendered and checked on read."""

    def __init__(self, host: str, inventory_vars: Mapping, where: Callable[[str], Where], scope: InventoryScope,
                 group_names: list[str], inventory_file: str | None, listed_at: Where = (None, None)):
        self.host = host
        self.listed_at = listed_at  # where the host is first listed
        self.inventory_vars = inventory_vars
        self._where = where
        self._scope = scope
        self._values: dict = {}
        self._secret: set[str] = set()
        self._defaults: dict | None = None  # name -> (value, where) below the inventory's
        self._group_names = group_names
        self._inventory_file = inventory_file

    @functools.cached_property
    def magic(self) -> dict:
        """Ansible's magic variables of the host (those it sets per host)."""
        inventory_file = self._inventory_file
        return {
            "inventory_hostname": self.host,
            "inventory_hostname_short": _short_name(self.host),
            "group_names": self._group_names,
            "inventory_file": inventory_file,
            "inventory_dir": os.path.dirname(inventory_file) if inventory_file else None,
        }

    @property
    def base_dir(self) -> str:
        return self._scope.base_dir

    # --- Mapping -------------------------------------------------------------

    def __getitem__(self, name):
        with self._scope.lock:
            if name not in self._values:
                raw, where = self._raw(name)
                self._values[name] = self._resolve(name, raw, where)
            if name in self._secret:
                self._mark_secret()
            return self._values[name]

    def __contains__(self, name) -> bool:
        return name in self.inventory_vars or name in self._default_layer()

    def __iter__(self) -> Iterator[str]:
        yield from self._default_layer()
        for name in self.inventory_vars:
            if name not in self._default_layer():
                yield name

    def __len__(self) -> int:
        return len(self._default_layer().keys() | self.inventory_vars.keys())

    def template_scope(self, **extra) -> Mapping:
        """What a template rendered for this host sees: its variables, Ansible's magic variables, and ``extra``."""
        return _Scope(self, extra)

    def where(self, name: str) -> Where:
        """The file and line that set the variable (None, None for a fleetctl default)."""
        if name in self.inventory_vars:
            return self._where(name)
        return self._default_layer().get(name, (None, (None, None)))[1]

    # --- reading one variable ------------------------------------------------

    def _raw(self, name: str) -> tuple[object, Where]:
        if name in self.inventory_vars:
            return self.inventory_vars[name], self._where(name)
        if name == ROLES_VARIABLE:
            return fleet_defaults()[name], (None, None)
        value, where = self._default_layer()[name]  # KeyError: not a variable of this host
        return value, where

    def _default_layer(self) -> dict:
        if self._defaults is None:
            layer = {name: (value, (None, None)) for name, value in fleet_defaults().items()}
            for role in self[ROLES_VARIABLE]:
                layer.update(role_defaults_layer(Path(role)))
            self._defaults = layer
        return self._defaults

    def _resolve(self, name: str, raw, where: Where):
        scope = self._scope
        if any(reading.host == self.host and reading.name == name for reading in scope.in_progress):
            chain = " -> ".join(reading.name for reading in scope.in_progress if reading.host == self.host)
            raise InventoryError(f"host {self.host}: {name}: its template refers back to itself ({chain} -> {name})",
                                 *where)
        reading = _Reading(self.host, name, secret=isinstance(raw, EncryptedValue))
        scope.in_progress.append(reading)
        try:
            value = raw
            if needs_rendering(raw):
                try:
                    value = scope.templates.render(raw, self.template_scope(), self._decrypt(name))
                except TemplateFailure as failure:
                    message = f"host {self.host}: {name}: {failure}"
                    if failure.undefined:
                        raise UndefinedVariable(message, *where, detail=str(failure)) from None
                    raise InventoryError(message, *where) from None
                except VaultError as error:
                    raise VaultError(error.message, *where) if error.path is None else error from None
            if reading.secret:
                self._secret.add(name)
            if isinstance(name, str) and name.startswith(FLEET_PREFIX):
                value = self._checked(name, value, where, reading.secret)
            return value
        finally:
            scope.in_progress.remove(reading)

    def _checked(self, name: str, value, where: Where, secret: bool):
        try:
            return check_variable(name, value, self.base_dir)
        except VariableValueError as error:
            message = str(error)
            if secret:
                variable = FLEET_VARIABLES_BY_NAME.get(name)
                expected = variable.type.label if variable else "a valid value"
                message = f"{name}: the value (from ansible-vault, not shown) is not a valid {expected}"
            raise InventoryError(f"host {self.host}: {message}", *where) from None

    def _decrypt(self, name: str):
        def decrypt(value: EncryptedValue) -> str:
            self._mark_secret()
            return self._scope.vault.decrypt(value.ciphertext, f"host {self.host}: {name}")
        return decrypt

    def _mark_secret(self):
        for reading in self._scope.in_progress:  # each of them depends on the secret
            reading.secret = True


class _Scope(Mapping):
    """A host's template scope: ``extra`` and Ansible's magic variables first, then its variables."""

    def __init__(self, hostvars: HostVars, extra: dict):
        self.hostvars = hostvars
        self.extra = extra

    def __getitem__(self, name):
        if name in self.extra:
            return self.extra[name]
        if name in self.hostvars.magic:
            return self.hostvars.magic[name]
        if name == "hostvars":
            return self.hostvars._scope.hostvars
        if name == "groups":
            return self.hostvars._scope.groups
        try:
            return self.hostvars[name]
        except UndefinedVariable as error:  # undefined through it: so is it, and default() applies
            return self.hostvars._scope.templates.undefined(name, error.detail)

    def __contains__(self, name) -> bool:
        return (name in self.extra or name in self.hostvars.magic or name in ("hostvars", "groups")
                or name in self.hostvars)

    def __iter__(self):
        yield from self.extra
        yield from self.hostvars.magic
        yield from ("hostvars", "groups")
        yield from self.hostvars

    def __len__(self) -> int:
        return len(list(iter(self)))


def _short_name(host: str) -> str:
    """inventory_hostname_short: the name up to its first dot, unless the name is an IP address."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        return host.split(".")[0]
