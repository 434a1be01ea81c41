"""Plan: for every host, facts -> decision -> rendered unit. Contacts hosts only to probe them.

The pure part (decide_host) takes facts and the host's variables; plan() adds
the probe. Everything that can be checked without a host (the inventory, the
decision tables, the policy variables) is checked before any host is contacted.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fleetctl.facts import Facts, ProbeResult, apply_kind_override, probe_hosts
from fleetctl.inventory import Host, app_spec
from fleetctl.policy import Decision, DecisionTable, PolicyError, check_policy_variables, decide, load_table
from fleetctl.render import render_unit


@dataclass(frozen=True)
class HostPlan:
    """One host's row: what it is, how the app will run there, and why; or why it failed."""

    host: str
    facts: Facts | None = None
    decision: Decision | None = None
    unit: str | None = None  # None when the host has no fleet_app_name
    error: str | None = None
    raw_probe: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract of `fleetctl plan --json` (documented in the README)."""
        facts, decision = self.facts, self.decision
        return {
            "host": self.host,
            "kind": facts.kind if facts else None,
            "kind_evidence": facts.kind_evidence if facts else None,
            "mode": decision.mode if decision else None,
            "workers": decision.workers if decision else None,
            "scheduling": decision.scheduling if decision else None,
            "reason": decision.reason if decision else None,
            "row": decision.row if decision else None,
            "memory_max_mb": decision.memory_max_mb if decision else None,
            "facts": facts.to_dict() if facts else None,
            "unit": self.unit,
            "error": self.error,
        }


def load_host_tables(hosts: Sequence[Host]) -> dict[str, DecisionTable]:
    """Host name -> its decision table, every override checked; raises before any host is contacted."""
    tables_by_path: dict[str | None, DecisionTable] = {}
    tables: dict[str, DecisionTable] = {}
    for host in hosts:
        try:
            check_policy_variables(host.vars)
            path = host.vars.get("fleet_decision_table")
            if path not in tables_by_path:
                tables_by_path[path] = load_table(path)
        except PolicyError as error:
            raise PolicyError(f"host {host.name}: {error}") from None
        tables[host.name] = tables_by_path[path]
    return tables


def decide_host(host: Host, facts: Facts, table: DecisionTable) -> HostPlan:
    """Pure: a probed host's facts and variables -> its plan row."""
    facts = apply_kind_override(facts, host.vars.get("fleet_kind"))
    try:
        decision = decide(facts, host.vars, table)
    except PolicyError as error:
        return HostPlan(host.name, facts=facts, error=f"{host.name}: {error}")
    unit = render_unit(app_spec(host), decision) if host.vars.get("fleet_app_name") else None
    return HostPlan(host.name, facts=facts, decision=decision, unit=unit)


def plan(
    hosts: Sequence[Host],
    forks: int = 10,
    trust_on_first_use: bool = False,
    on_probed: Callable[[ProbeResult], None] | None = None,
) -> list[HostPlan]:
    """Probe every host in parallel and decide for each; rows in inventory order.

    Raises InventoryError or PolicyError, before contacting any host, when the
    inventory's variables or decision tables are invalid.
    """
    tables = load_host_tables(hosts)
    for host in hosts:
        if host.vars.get("fleet_app_name"):
            app_spec(host)  # an InventoryError now rather than half-way through
    results = probe_hosts(
        [host.connection for host in hosts], forks=forks,
        trust_on_first_use=trust_on_first_use, on_result=on_probed,
    )
    plans = []
    for host, result in zip(hosts, results):
        if result.facts is None:
            plans.append(HostPlan(host.name, error=result.error, raw_probe=result.raw))
        else:
            plans.append(replace(decide_host(host, result.facts, tables[host.name]), raw_probe=result.raw))
    return plans

