"""The jinja2 environment roles are rendered with: undefined variables are errors, as in Ansible.

jinja2 is imported where templates are compiled or rendered, never at module
level: an inventory without roles or an app (`fleetctl facts`, `status`, a
plan of bare hosts) then never loads it.
"""

import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


def environment(loader: "jinja2.BaseLoader | None" = None) -> "jinja2.Environment":
    import jinja2

    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,  # a typo'd variable must fail, not render as ""
        keep_trailing_newline=True,
        trim_blocks=True,  # as Ansible's template module: a {% block %} line leaves no empty line
        autoescape=False,  # config files and commands, not HTML
    )
    # Ansible's filter for putting a value into a shell command safely.
    env.filters["quote"] = lambda value: shlex.quote(str(value))
    return env
