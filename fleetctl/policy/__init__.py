"""The decision table: which process mode, scheduling and worker count a host gets."""

from fleetctl.policy.decide import PRIMARY_MEMORY_MB, Decision, decide
from fleetctl.policy.errors import PolicyError
from fleetctl.policy.table import DecisionTable, Row, load_table

__all__ = [
    "PRIMARY_MEMORY_MB",
    "Decision",
    "DecisionTable",
    "PolicyError",
    "Row",
    "decide",
    "load_table",
]
