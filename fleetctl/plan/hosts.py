"""Plan: for every host, facts -> decision -> rendered unit -> what a deploy would change.

Hosts are contacted only to read: the probe, and (for hosts with an app) what
is deployed there, over the same connection. The pure part (decide_host,
deploy_changes) takes what was read and the host's variables. Everything that
can be checked without a host (the inventory, the decision tables, the policy
variables, the app's source) is checked before any host is contacted.
"""

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fleetctl.build.cache import ArtifactCache
from fleetctl.deploy.diffs import FileDiff, env_diff, secret_diff, unified, unreadable_diff
from fleetctl.deploy.files import FileState, file_steps, read_file_states, read_texts
from fleetctl.deploy.hoststate import HostState, read_host_state
from fleetctl.deploy.steps import DesiredState, HostChanges, host_changes, sha256_text
from fleetctl.domain import Activation, ReleaseAction
from fleetctl.facts import Facts, ProbeResult, apply_kind_override, probe_hosts
from fleetctl.facts.probecache import ProbeCache
from fleetctl.inventory import Host
from fleetctl.inventory.app import DEFAULT_SLICE
from fleetctl.plan.releases import AppRelease, Connect, ReleasePlan, plan_release
from fleetctl.policy import Decision, DecisionTable, PolicyError, decide, load_table
from fleetctl.render import render_env_file, render_process, render_socket_unit, render_unit
from fleetctl.roles.render import NO_ROLES, HostRoles
from fleetctl.runtime import RUNTIME_FILE, SHIM_FILE
from fleetctl.transport import Transport, TransportError


@dataclass(frozen=True)
class HostPlan:
    """One host's row: what it is, how the app will run there, and why; or why it failed."""

    host: str
    facts: Facts | None = None
    decision: Decision | None = None
    unit: str | None = None  # None when the host has no fleet_app_name
    socket_unit: str | None = None  # None also when fleet_app_socket is false
    error: str | None = None
    raw_probe: str = ""
    release_id: str | None = None  # the release a deploy would bring
    changes: HostChanges | None = None  # None when the host has nothing to deploy
    roles: HostRoles = NO_ROLES
    release_plan: ReleasePlan | None = None  # its release's artifacts (and which one it gets)

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
            "socket_unit": self.socket_unit,
            "roles": list(self.roles.roles),
            "deploy": deploy_document(self.release_id, self.changes, self.roles, self.host),
            "artifact": self.release_plan.to_dict(self.host) if self.release_plan else None,
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
        "diffs": [{"path": diff.path, "diff": diff.diff} for diff in changes.diffs],
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
    socket_unit = render_socket_unit(host.app) if host.app else None
    return HostPlan(host.name, facts=facts, decision=decision, unit=unit, socket_unit=socket_unit)


@functools.cache
def runtime_bytes() -> bytes:
    """The cluster runtime's file, read once: every host's desired state holds the same bytes (28 KB, which a
    plan and a deploy held twice per host: 28 MB at 500 hosts)."""
    return RUNTIME_FILE.read_bytes()


@functools.cache
def shim_bytes() -> bytes:
    """The socket shim's file, read once, as the runtime's."""
    return SHIM_FILE.read_bytes()


def desired_state(host: Host, decision: Decision, unit: str, release_id: str, archive: bytes | None,
                  roles: HostRoles = NO_ROLES) -> DesiredState:
    """What the host should run after a deploy; archive: its platform's artifact (None: already on the host)."""
    app = host.app
    return DesiredState(
        app=app, decision=decision, release_id=release_id, archive=archive, unit=unit,
        socket_unit=render_socket_unit(app), process=render_process(decision), env=render_env_file(app),
        runtime=runtime_bytes(), shim=shim_bytes(), role_files=roles.files,
    )


def plan(
    hosts: Sequence[Host],
    forks: int = 10,
    trust_on_first_use: bool = False,
    on_probed: Callable[[ProbeResult], None] | None = None,
    releases: Mapping[str, AppRelease] | None = None,
    probe_cache: ProbeCache | None = None,
    roles: dict[str, HostRoles] | None = None,
    build_hosts: Sequence[Host] = (),
    artifact_cache: ArtifactCache | None = None,
    connect: Connect | None = None,
) -> list[HostPlan]:
    """Probe every host in parallel and decide for each; rows in inventory order.

    With releases (app source folder -> AppRelease), hosts with an app also get the
    artifact they would receive (per platform: cached, or built where) and the changes
    a deploy of that release would make, and hosts with roles the changes to their roles'
    files, read over the probe's connection. connect: each host's connection, for the probe and for builders
    (the command's pool keeps one per host); without it, each probe connects and closes. build_hosts: the hosts named by
    fleet_build_host that are not among `hosts` (probed for their platform, no row).
    Raises InventoryError or PolicyError, before contacting any host, when the
    inventory's variables or decision tables are invalid.
    """
    tables = load_host_tables(hosts)
    roles = roles or {}
    apps = {host.name: host.app for host in hosts if host.app}
    deployable = {host.name for host in hosts if host.name in apps and releases and apps[host.name].src in releases}
    role_only = {host.name for host in hosts if releases is not None and host.name not in apps
                 and host.name in roles and roles[host.name].roles}

    def read_state(spec, transport) -> tuple[HostState | None, dict[str, FileState], dict[str, str]] | None:
        """What is deployed, the roles' files' states, and the text of each file a deploy would change."""
        if spec.name not in deployable and spec.name not in role_only:
            return None
        app = apps.get(spec.name)
        state = read_host_state(transport, app) if spec.name in deployable else None
        files = roles.get(spec.name, NO_ROLES).files
        file_states = read_file_states(transport, [file.path for file in files])
        changed = [file.path for file in files if not file.secret and file.path in file_states
                   and file_states[file.path].sha256 not in (None, sha256_text(file.content))]
        if state is not None and state.env_sha256 not in (None, sha256_text(render_env_file(app))):
            changed.append(app.env_file)
        return state, file_states, read_texts(transport, changed)

    extra = [host for host in build_hosts if host.name not in {each.name for each in hosts}]
    results = probe_hosts(
        [host.connection for host in (*hosts, *extra)], forks=forks,
        trust_on_first_use=trust_on_first_use, on_result=on_probed, also=read_state, probe_cache=probe_cache,
        connect_host=connect,
        slices=service_slices(hosts),
    )
    rows = {}
    for host, result in zip(hosts, results):
        if result.facts is None:
            rows[host.name] = HostPlan(host.name, error=result.error, raw_probe=result.raw)
        else:
            rows[host.name] = replace(decide_host(host, result.facts, tables[host.name]), raw_probe=result.raw,
                                      roles=roles.get(host.name, NO_ROLES))
    states = {result.name: result.also for result in results if isinstance(result.also, tuple)}
    release_plans = _plan_releases(hosts, rows, states, releases or {}, results, artifact_cache, connect)
    plans = []
    for host in hosts:
        row = rows[host.name]
        host_roles = row.roles
        release_plan = release_plans.get(host.app.src) if host.app else None
        if release_plan is not None and row.ok:
            row = replace(row, release_plan=release_plan)
            if host.name in release_plan.problems:
                row = replace(row, error=f"{host.name}: {release_plan.problems[host.name]}")
        if row.ok and host.name in states:
            state, file_states, texts = states[host.name]
            files = file_steps(host_roles.files, file_states)
            diffs = role_file_diffs(host_roles, file_states, texts)
            if state is not None and row.decision and row.unit and release_plan is not None:
                archive = release_plan.archive_for(host.name) or b""
                desired = desired_state(host, row.decision, row.unit, release_plan.app.id, archive, host_roles)
                changes = host_changes(desired, state, files=files)
                row = replace(row, release_id=release_plan.app.id,
                              changes=replace(changes, diffs=app_file_diffs(desired, state, texts) + diffs))
            elif state is None:
                row = replace(row, changes=HostChanges((), (), Activation.NONE, (), ReleaseAction.NONE, "", files=files,
                                                       diffs=diffs))
        plans.append(row)
    return plans


def service_slices(hosts: Sequence[Host]) -> dict[str, str]:
    """Host name -> the slice its app's service runs in, for the probe, where it is not systemd's default."""
    return {host.name: host.app.slice for host in hosts if host.app and host.app.slice != DEFAULT_SLICE}


def app_file_diffs(desired: DesiredState, state: HostState, texts: Mapping[str, str]) -> tuple[FileDiff, ...]:
    """The units, the environment file (values masked) and the process file a deploy would write (or remove),
    against the host's; texts: what the plan read of them."""
    app = desired.app
    diffs = []
    if state.unit != desired.unit:
        diffs.append(FileDiff(app.unit_path, unified(app.unit_path, state.unit, desired.unit)))
    if state.socket_unit != desired.socket_unit:
        diffs.append(FileDiff(app.socket_unit_path,
                              unified(app.socket_unit_path, state.socket_unit, desired.socket_unit)))
    if state.env_sha256 != sha256_text(desired.env):
        installed = texts.get(app.env_file)
        diffs.append(FileDiff(app.env_file, unreadable_diff(app.env_file) if state.env_sha256 and installed is None
                              else env_diff(app.env_file, installed, desired.env)))
    if state.process != desired.process:
        diffs.append(FileDiff(app.process_file, unified(app.process_file, state.process, desired.process)))
    return tuple(diffs)


def role_file_diffs(roles: HostRoles, states: Mapping[str, FileState],
                    texts: Mapping[str, str]) -> tuple[FileDiff, ...]:
    """Each role file a deploy would write, against the host's (a secret one by its size only)."""
    diffs = []
    for rendered in roles.files:
        state = states.get(rendered.path)
        if state is not None and state.sha256 == sha256_text(rendered.content):
            continue
        exists = state is not None and state.sha256 is not None
        if rendered.secret:
            text = secret_diff(rendered.path, rendered.content)
        elif exists and rendered.path not in texts:
            text = unreadable_diff(rendered.path)
        else:
            text = unified(rendered.path, texts.get(rendered.path), rendered.content.decode(errors="replace"))
        diffs.append(FileDiff(rendered.path, text))
    return tuple(diffs)


def _plan_releases(hosts: Sequence[Host], rows: Mapping[str, "HostPlan"], states: Mapping[str, tuple],
                   releases: Mapping[str, AppRelease], results: Sequence[ProbeResult],
                   cache: ArtifactCache | None, connect: Connect | None) -> dict[str, ReleasePlan]:
    """App source folder -> its release's plan, over the hosts that were probed and decided."""
    if not releases:
        return {}
    facts_of = {result.name: result.facts for result in results}
    plans = {}
    for source, app in releases.items():
        targets = [(host, rows[host.name].facts) for host in hosts
                   if host.app and host.app.src == source and rows[host.name].ok]
        present = frozenset(host.name for host, _ in targets
                            if states.get(host.name) and states[host.name][0] is not None
                            and app.id in states[host.name][0].releases)
        builders = {host.rollout.build_host: facts_of.get(host.rollout.build_host)
                    for host, _ in targets if host.rollout.build_host}
        plans[source] = plan_release(app, targets, builders, cache or ArtifactCache.configured(),
                                     connect or _no_connection, present)
    return plans


def _no_connection(name: str) -> Transport:
    raise TransportError(f"{name}: no connection to build hosts in this command")
