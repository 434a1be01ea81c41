"""The one jinja2 environment factory: the systemd unit and the roles' templates are rendered with it.

Undefined variables are errors, as in Ansible: a typo'd variable must fail, not
render as "". jinja2 is imported here, when a template is compiled or
rendered, never at module level: an inventory without roles or an app
(`fleetctl facts`, `status`, a plan of bare hosts) then never loads it.
"""

import shlex
from collections import ChainMap
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


def environment(loader: "jinja2.BaseLoader | None" = None, lstrip_blocks: bool = False,
                filters: Mapping[str, Callable] | None = None) -> "jinja2.Environment":
    """An environment for config files and commands (no HTML escaping), with Ansible's `quote` filter.

    lstrip_blocks: also strip the indentation before a block tag (fleetctl's own
    unit template is written that way; roles follow Ansible's template module, which does not).
    """
    import jinja2

    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,  # as Ansible's template module: a {% block %} line leaves no empty line
        lstrip_blocks=lstrip_blocks,
        autoescape=False,  # config files and commands, not HTML
    )
    # Ansible's filter for putting a value into a shell command safely.
    env.filters["quote"] = lambda value: shlex.quote(str(value))
    env.filters.update(filters or {})
    return env


def render(template: "jinja2.Template", variables: Mapping) -> str:
    """Render without copying ``variables``: a lazy mapping (a host's variables) renders only the names the template reads."""
    context = template.new_context(ChainMap(variables, template.globals), shared=True)
    return template.environment.concat(template.root_render_func(context))
