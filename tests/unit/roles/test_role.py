"""load_role: the built-in roles load; a broken role is one line naming its file and line."""

import pytest

from fleetctl.inventory import load_inventory
from fleetctl.roles.render import inventory_roles
from fleetctl.roles.role import RoleError, load_role

from ..inventories_with_roles import write


def test_built_in_roles_load():
    from fleetctl.resources import roles_dir
    for name in ("node", "nginx-lb"):
        role = load_role(roles_dir() / name)
        assert role.name == name and role.hooks


@pytest.mark.parametrize("files, message", [
    ({"templates.yaml": "- {src: a.j2, dest: /etc/a, mode: 0644}\n", "templates/a.j2": "x"},
     "templates.yaml:1: templates.yaml entry 1: mode must be a quoted octal string like '0644', got 420"),
    ({"templates.yaml": "- {src: missing.j2, dest: /etc/a}\n"},
     "templates.yaml:1: templates.yaml entry 1: no file templates/missing.j2"),
    ({"templates.yaml": "- {src: a.j2, dest: /etc/a}\n", "templates/a.j2": "line\n{% if %}\n"},
     "templates/a.j2:2: template error"),
    ({"templates.yaml": "- {src: a.j2, dest: /etc/a, secret: 'yes'}\n", "templates/a.j2": "x"},
     "templates.yaml:1: templates.yaml entry 1: secret must be true or false"),
    ({"hooks.yaml": "after_all: [true]\n"}, "hooks.yaml:1: unknown hook point 'after_all'"),
    ({"hooks.yaml": "after_host:\n  - {command: x, undoes: after_host}\n"},
     "hooks.yaml:2: after_host[0]: undoes must name an earlier point"),
    ({"hooks.yaml": "before_host:\n  - {command: x, run_on: y}\n"}, "hooks.yaml:2: before_host[0]: unknown key run_on"),
    ({"defaults.yaml": "fleet_workers: lots\n"}, "defaults.yaml:1: fleet_workers must be an integer"),
    ({"vars.yaml": "a: 1\n"}, "vars.yaml: unknown file in role broken"),
])
def test_a_broken_role_is_one_line_naming_its_file_and_line(tmp_path, files, message):
    for name, text in files.items():
        write(tmp_path / "roles" / "broken" / name, text)
    text = "all:\n  hosts:\n    h1:\n      fleet_roles: [broken]\n"
    with pytest.raises(RoleError) as error:  # defaults when the inventory loads, the rest when roles render
        inventory = load_inventory(write(tmp_path / "inventory.yaml", text))
        inventory_roles(inventory, inventory.hosts)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
