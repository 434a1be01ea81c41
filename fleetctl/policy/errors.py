"""The error for a bad decision table or a bad policy override."""

from fleetctl.errors import InputError


class PolicyError(InputError):
    """One line naming the table file and row, or the variable, that is wrong."""
