"""A role's defaults.yaml: variables of the host at the lowest precedence.

The inventory reads them when it merges a host's variables; the rest of a role
(templates, hooks) is fleetctl.roles' business. A value holding a template is
checked when a host reads it, once rendered.
"""

import functools
from pathlib import Path

from fleetctl.inventory.errors import RoleError
from fleetctl.inventory.rendering import needs_rendering
from fleetctl.inventory.schema import check_variable
from fleetctl.inventory.values import VariableValueError
from fleetctl.yamlfile import LocatedMap, load_yaml

DEFAULTS_FILE = "defaults.yaml"


def role_defaults(path: Path) -> dict:
    """A role's defaults.yaml, every variable checked; RoleError names the file and line."""
    return {name: value for name, (value, _) in role_defaults_layer(path).items()}


@functools.lru_cache(maxsize=None)
def role_defaults_layer(path: Path) -> dict:
    """name -> (value, (file, line)) for every variable of a role's defaults.yaml."""
    file = Path(path) / DEFAULTS_FILE
    if not file.is_file():
        return {}
    data = load_yaml(file, str(file), RoleError)
    if data is None:
        return {}
    if not isinstance(data, LocatedMap):
        raise RoleError(f"{DEFAULTS_FILE} must be a mapping of variables", str(file), 1)
    layer = {}
    for name, value in data.items():
        line = data.line_of(name)
        if name == "fleet_roles":
            raise RoleError("a role's defaults cannot list roles (fleet_roles)", str(file), line)
        try:
            checked = check_variable(name, value, path, names_only=needs_rendering(value))
        except VariableValueError as error:
            raise RoleError(str(error), str(file), line) from None
        layer[name] = (checked, (str(file), line))
    return layer
