"""The jinja2 environment roles are rendered with: undefined variables are errors, as in Ansible."""

import shlex

import jinja2


def environment(loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
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
