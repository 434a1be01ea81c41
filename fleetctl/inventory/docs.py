"""The README's table of fleetctl variables, generated from the schema so docs and schema never drift."""

from fleetctl.inventory.schema import FLEET_VARIABLES


def variables_markdown() -> str:
    """The variables table for the README, generated so docs and schema never drift."""
    lines = [
        "| Variable | Type | Default | Meaning |",
        "| --- | --- | --- | --- |",
    ]
    for variable in FLEET_VARIABLES:
        default = variable.default_doc or _default_text(variable.default)
        lines.append(f"| `{variable.name}` | {variable.type.label} | {default} | {variable.doc} |")
    return "\n".join(lines) + "\n"


def _default_text(value) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if value == {}:
        return "`{}`"
    if value == []:
        return "`[]`"
    return f"`{value}`"

