"""A role's defaults.yaml: variables of the host at the lowest precedence.

The inventory reads them when it merges a host's variables; the rest of a role
(templates, hooks) is fleetctl.roles' business.
"""

import functools
from pathlib import Path

from fleetctl.inventory.errors import RoleError
from fleetctl.inventory.schema import check_variable
from fleetctl.inventory.values import VariableValueError
from fleetctl.yamlfile import LocatedMap, load_yaml

DEFAULTS_FILE = "defaults.yaml"


@functools.lru_cache(maxsize=None)
def role_defaults(path: Path) -> dict:
    """A role's defaults.yaml, every variable checked; RoleError names the file and line."""
    file = Path(path) / DEFAULTS_FILE
    if not file.is_file():
        return {}
    data = load_yaml(file, str(file), RoleError)
    if data is None:
        return {}
    if not isinstance(data, LocatedMap):
        raise RoleError(f"{DEFAULTS_FILE} must be a mapping of variables", str(file), 1)
    checked = {}
    for name, value in data.items():
        if name == "fleet_roles":
            raise RoleError("a role's defaults cannot list roles (fleet_roles)", str(file), data.line_of(name))
        try:
            checked[name] = check_variable(name, value, path)
        except VariableValueError as error:
            raise RoleError(str(error), str(file), data.line_of(name)) from None
    return checked
