"""Plan: for every host, facts -> decision -> rendered unit -> what a deploy would change.

Hosts are contacted only to read: the probe, and (for hosts with an app) what
is deployed there, over the same connection. The pure part (decide_host,
deploy_changes) takes what was read and the host's variables. Everything that
can be checked without a host (the inventory, the decision tables, the policy
variables, the app's source) is checked before any host is contacted.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fleetctl.deploy.files import FileState, file_steps, read_file_states
from fleetctl.deploy.hoststate import HostState, read_host_state
from fleetctl.deploy.release import Release, ReleaseError, pack
from fleetctl.deploy.steps import DesiredState, HostChanges, host_changes
from fleetctl.domain import Activation, ReleaseAction
from fleetctl.facts import Facts, ProbeResult, apply_kind_override, probe_hosts
from fleetctl.facts.probecache import ProbeCache
from fleetctl.inventory import Host, InventoryError
from fleetctl.policy import Decision, DecisionTable, PolicyError, decide, load_table
from fleetctl.render import render_env_file, render_process, render_unit
from fleetctl.roles.render import NO_ROLES, HostRoles
from fleetctl.runtime import RUNTIME_FILE


@dataclass(frozen=True)
class HostPlan:
    """One host's row: what it is, how the app will run there, and why; or why it failed."""

    host: str
    facts: Facts | None = None
    decision: Decision | None = None
    unit: str | None = None  # None when the host has no fleet_app_name
    error: str | None = None
    raw_probe: str = ""
    release_id: str | None = None  # the release a deploy would bring
    changes: HostChanges | None = None  # None when the host has nothing to deploy
    roles: HostRoles = NO_ROLES

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
            "platform": facts.platform.key if facts and facts.platform else None,
            "mode": decision.mode if decision else None,
            "workers": decision.workers if decision else None,
            "scheduling": decision.scheduling if decision else None,
            "reason": decision.reason if decision else None,
            "row": decision.row if decision else None,
            "memory_max_mb": decision.memory_max_mb if decision else None,
            "facts": facts.to_dict() if facts else None,
            "unit": self.unit,
            "roles": list(self.roles.roles),
            "deploy": deploy_document(self.release_id, self.changes, self.roles, self.host),
            "error": self.error,
        }


def deploy_document(release_id: str | None, changes: HostChanges | None, roles: HostRoles,
                    host: str) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "release": release_id,
        "release_action": changes.release_action,
        "activation": changes.activation,
        "steps": [step.display() for step in changes.steps],
        "unit_diff": changes.unit_diff,
        # Hooks run only when the host has something to change.
        "hooks": {} if changes.unchanged else {
            point: [hook.display(host) for hook in hooks] for point, hooks in roles.hooks.items()},
    }


def load_host_tables(hosts: Sequence[Host]) -> dict[str, DecisionTable]:
    """Host name -> its decision table, every override checked; raises before any host is contacted."""
    tables_by_path: dict[str | None, DecisionTable] = {}
    tables: dict[str, DecisionTable] = {}
    for host in hosts:
        path = host.policy.decision_table  # InventoryError when the host's policy variables conflict
        try:
            if path not in tables_by_path:
                tables_by_path[path] = load_table(path)
        except PolicyError as error:
            raise PolicyError(f"host {host.name}: {error}") from None
        tables[host.name] = tables_by_path[path]
    return tables


def decide_host(host: Host, facts: Facts, table: DecisionTable) -> HostPlan:
    """Pure: a probed host's facts and variables -> its plan row."""
    facts = apply_kind_override(facts, host.policy.kind)
    try:
        decision = decide(facts, host.policy, table)
    except PolicyError as error:
        return HostPlan(host.name, facts=facts, error=f"{host.name}: {error}")
    unit = render_unit(host.app, decision) if host.app else None
    return HostPlan(host.name, facts=facts, decision=decision, unit=unit)


def releases_by_source(hosts: Sequence[Host], label: str | None = None) -> dict[str, Release]:
    """One release per distinct app source folder, packed once; raises InventoryError naming the host."""
    releases: dict[str, Release] = {}
    for host in hosts:
        source = host.app.src if host.app else None
        if source and source not in releases:
            try:
                releases[source] = pack(Path(source), label)
            except ReleaseError as error:
                raise InventoryError(f"host {host.name}: {error}") from None
    return releases


def desired_state(host: Host, decision: Decision, unit: str, release: Release,
                  roles: HostRoles = NO_ROLES) -> DesiredState:
    app = host.app
    return DesiredState(
        app=app, decision=decision, release_id=release.id, archive=release.archive,
        has_lockfile=release.has_lockfile, unit=unit, process=render_process(decision), env=render_env_file(app),
        runtime=RUNTIME_FILE.read_bytes(), role_files=roles.files,
    )


def plan(
    hosts: Sequence[Host],
    forks: int = 10,
    trust_on_first_use: bool = False,
    on_probed: Callable[[ProbeResult], None] | None = None,
    releases: dict[str, Release] | None = None,
    probe_cache: ProbeCache | None = None,
    roles: dict[str, HostRoles] | None = None,
) -> list[HostPlan]:
    """Probe every host in parallel and decide for each; rows in inventory order.

    With releases (app source folder -> Release), hosts with an app also get the
    changes a deploy of that release would make, and hosts with roles the changes
    to their roles' files, read over the probe's connection.
    Raises InventoryError or PolicyError, before contacting any host, when the
    inventory's variables or decision tables are invalid.
    """
    tables = load_host_tables(hosts)
    roles = roles or {}
    apps = {host.name: host.app for host in hosts if host.app}
    deployable = {host.name for host in hosts if host.name in apps and releases and apps[host.name].src in releases}
    role_only = {host.name for host in hosts if releases is not None and host.name not in apps
                 and host.name in roles and roles[host.name].roles}

    def read_state(spec, transport) -> tuple[HostState | None, dict[str, FileState]] | None:
        if spec.name not in deployable and spec.name not in role_only:
            return None
        state = read_host_state(transport, apps[spec.name]) if spec.name in deployable else None
        paths = [file.path for file in roles.get(spec.name, NO_ROLES).files]
        return state, read_file_states(transport, paths)

    results = probe_hosts(
        [host.connection for host in hosts], forks=forks,
        trust_on_first_use=trust_on_first_use, on_result=on_probed, also=read_state, probe_cache=probe_cache,
    )
    plans = []
    for host, result in zip(hosts, results):
        if result.facts is None:
            plans.append(HostPlan(host.name, error=result.error, raw_probe=result.raw))
            continue
        host_roles = roles.get(host.name, NO_ROLES)
        row = replace(decide_host(host, result.facts, tables[host.name]), raw_probe=result.raw, roles=host_roles)
        if row.ok and isinstance(result.also, tuple):
            state, file_states = result.also
            files = file_steps(host_roles.files, file_states)
            if state is not None and row.decision and row.unit:
                release = releases[host.app.src]
                desired = desired_state(host, row.decision, row.unit, release, host_roles)
                row = replace(row, release_id=release.id, changes=host_changes(desired, state, files=files))
            elif state is None:
                row = replace(row, changes=HostChanges((), (), Activation.NONE, (), ReleaseAction.NONE, "", files=files))
        plans.append(row)
    return plans
