"""The one error type for everything wrong with an inventory or a --limit."""

from fleetctl.errors import InputError


class InventoryError(InputError):
    """A bad inventory, variable or --limit, reported as a single line (``file:line: message``)."""


class RoleError(InventoryError):
    """A broken role an inventory lists: one line naming the role's file and line."""
