"""Facts + policy variables + table -> how the app runs on one host.

Pure: the same facts, variables and table always give the same Decision.
"""

import math
from dataclasses import asdict, dataclass

from fleetctl.domain import Mode, Scheduling
from fleetctl.inventory import PolicySettings
from fleetctl.policy.errors import PolicyError
from fleetctl.policy.table import AUTO, DecisionTable, Row

# A cluster primary forks and supervises but serves nothing; this is its budget
# on top of the workers' when MemoryMax is derived.
PRIMARY_MEMORY_MB = 64


@dataclass(frozen=True)
class Decision:
    mode: Mode
    workers: int  # 1 for single
    scheduling: Scheduling | None  # None for single
    reason: str
    row: str | None  # name of the table row that matched; None if none did and a variable decided
    memory_max_mb: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Outcome:
    mode: Mode
    workers: int
    scheduling: Scheduling | None
    reason: str


def decide(facts, policy: PolicySettings, table: DecisionTable) -> Decision:
    """policy: the host's policy settings (the inventory checked them when it built them)."""
    row = table.first_match(facts)
    if row is None and policy.mode is None and policy.workers is None:
        raise PolicyError(
            f"{table.source}: no row matches this host ({_describe_facts(facts)}); "
            "add a row for it or set fleet_mode"
        )
    from_table = _from_row(row, facts, policy) if row is not None else None
    outcome = _apply_overrides(from_table, facts, policy)
    return Decision(
        mode=outcome.mode,
        workers=outcome.workers,
        scheduling=outcome.scheduling,
        reason=outcome.reason,
        row=row.name if row is not None else None,
        memory_max_mb=_memory_max_mb(outcome, facts, policy),
    )


def _auto_workers(facts, policy: PolicySettings) -> tuple[int, str]:
    """floor(effective CPUs) - reserved CPUs, capped by memory, at least 1; and why."""
    whole_cpus = math.floor(facts.cpus_effective)
    by_cpu = whole_cpus - policy.reserve_cpus
    usable_mb = facts.memory_effective_mb - policy.reserve_memory_mb
    by_memory = usable_mb // policy.worker_memory_mb
    why = f"{whole_cpus} effective CPUs"
    if policy.reserve_cpus:
        why += f" minus {policy.reserve_cpus} reserved"
    why += f" allow {by_cpu} worker{'s' if by_cpu != 1 else ''}"
    if by_memory < by_cpu:
        why += (
            f", and {usable_mb} MB of memory after the {policy.reserve_memory_mb} MB reserve"
            f" fits only {max(by_memory, 0)} of {policy.worker_memory_mb} MB each"
        )
    return max(1, min(by_cpu, by_memory)), why


def _from_row(row: Row, facts, policy: PolicySettings) -> _Outcome:
    said = f"row {row.name}: {row.reason}"
    if row.mode is Mode.SINGLE:
        return _Outcome(Mode.SINGLE, 1, None, said)
    if row.workers != AUTO:
        return _Outcome(Mode.CLUSTER, row.workers, row.scheduling, f"{said}; the table sets {row.workers} workers")
    workers, why = _auto_workers(facts, policy)
    if workers == 1:
        return _Outcome(Mode.SINGLE, 1, None, f"{said}; but {why}, and one worker means {Mode.SINGLE}")
    return _Outcome(Mode.CLUSTER, workers, row.scheduling, f"{said}; {why}")


def _apply_overrides(from_table: _Outcome | None, facts, policy: PolicySettings) -> _Outcome:
    table_said = (
        f"the table said {_summary(from_table)} ({from_table.reason})" if from_table else "no table row matched"
    )
    if policy.mode is Mode.SINGLE:
        return _Outcome(Mode.SINGLE, 1, None, f"fleet_mode: {Mode.SINGLE} decides; {table_said}")
    if policy.mode is Mode.CLUSTER or (policy.workers is not None and policy.workers >= 2):
        decided_by = f"fleet_mode: {Mode.CLUSTER}" if policy.mode is Mode.CLUSTER else f"fleet_workers: {policy.workers}"
        workers, workers_why = _cluster_workers(from_table, facts, policy)
        scheduling, scheduling_why = _cluster_scheduling(from_table, policy)
        reason = f"{decided_by} decides {Mode.CLUSTER} with {workers} workers{workers_why}{scheduling_why}; {table_said}"
        return _Outcome(Mode.CLUSTER, workers, scheduling, reason)
    if policy.workers == 1:
        return _Outcome(Mode.SINGLE, 1, None, f"fleet_workers: 1 decides {Mode.SINGLE}; {table_said}")
    # No mode or worker override: the table's outcome, perhaps with another scheduling.
    if policy.scheduling is None:
        return from_table
    if from_table.mode is Mode.SINGLE:
        return _Outcome(Mode.SINGLE, 1, None,
                        f"{from_table.reason} (fleet_scheduling ignored: {Mode.SINGLE} has no scheduling)")
    return _Outcome(
        Mode.CLUSTER, from_table.workers, policy.scheduling,
        f"{from_table.reason}; fleet_scheduling: {policy.scheduling} sets the scheduling",
    )


def _cluster_workers(from_table: _Outcome | None, facts, policy: PolicySettings) -> tuple[int, str]:
    if policy.workers is not None:
        return policy.workers, ""
    if from_table is not None and from_table.mode is Mode.CLUSTER:
        return from_table.workers, " as the table sized it"
    workers, why = _auto_workers(facts, policy)
    return workers, f" ({why})"


def _cluster_scheduling(from_table: _Outcome | None, policy: PolicySettings) -> tuple[Scheduling, str]:
    if policy.scheduling is not None:
        return policy.scheduling, f", scheduling {policy.scheduling} from fleet_scheduling"
    if from_table is not None and from_table.scheduling is not None:
        return from_table.scheduling, f", scheduling {from_table.scheduling}"
    return Scheduling.RR, f", scheduling {Scheduling.RR}"


def _memory_max_mb(outcome: _Outcome, facts, policy: PolicySettings) -> int:
    """MemoryMax for the unit: the workers' budget plus the primary's, within effective memory.

    A single process may use what the reserve leaves; never less than one
    worker's budget, never more than the host (or container) has.
    """
    effective = int(facts.memory_effective_mb)
    if outcome.mode is Mode.CLUSTER:
        wanted = outcome.workers * policy.worker_memory_mb + PRIMARY_MEMORY_MB
    else:
        wanted = effective - policy.reserve_memory_mb
    at_least = min(policy.worker_memory_mb, effective)
    return max(at_least, min(wanted, effective))


def _summary(outcome: _Outcome) -> str:
    if outcome.mode is Mode.SINGLE:
        return Mode.SINGLE
    return f"{Mode.CLUSTER} with {outcome.workers} workers"


def _describe_facts(facts) -> str:
    return (
        f"kind {getattr(facts, 'kind', None)}, arch {getattr(facts, 'arch', None)}, "
        f"{getattr(facts, 'cpus_effective', None)} effective CPUs, "
        f"{getattr(facts, 'memory_effective_mb', None)} MB, node {getattr(facts, 'node_version', None)}"
    )
