"""Where the roles a host lists in fleet_roles are: the fleet_roles variable's type."""

from dataclasses import dataclass
from pathlib import Path

from fleetctl.inventory.values import VariableValueError, describe_value
from fleetctl.resources import roles_dir


@dataclass(frozen=True)
class Roles:
    """Role names (or paths), resolved to their folders: the inventory's roles/ first, then fleetctl's own."""

    label: str = "list of role names"

    def check(self, name, value, base_dir):
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise VariableValueError(f"{name} must be a list of role names, got {describe_value(value)}")
        if len(set(value)) != len(value):
            raise VariableValueError(f"{name} lists a role twice")
        return [str(find_role(item, base_dir)) for item in value]


def find_role(role: str, base_dir) -> Path:
    """A role's folder: a path (with '/'), else roles/<role> beside the inventory, else a built-in role."""
    if "/" in role:
        candidates = [Path(base_dir) / Path(role).expanduser()]
    else:
        candidates = [Path(base_dir) / "roles" / role, roles_dir() / role]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    looked = ", ".join(str(path) for path in candidates)
    raise VariableValueError(f"fleet_roles: no role {role!r} (looked in {looked})")
