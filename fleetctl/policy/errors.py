"""The error for a bad decision table or a bad policy override."""


class PolicyError(Exception):
    """One line naming the table file and row, or the variable, that is wrong."""
