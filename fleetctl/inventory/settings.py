"""A host's fleet_* variables as typed settings: its app, its policy overrides, its part in the rollout.

A host's variables are rendered and checked against their types when read
(fleetctl.inventory.hostvars); these are the objects the rest of fleetctl
reads (never host.vars["fleet_*"]). They are built on first use, per host, so
a host left out by --limit never fails a command, as in Ansible.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from fleetctl.domain import Hook, Mode, Scheduling
from fleetctl.inventory.app import AppSpec
from fleetctl.inventory.errors import InventoryError


@dataclass(frozen=True)
class PolicySettings:
    """What the inventory says about how the app runs: overrides of the decision table, and its sizing."""

    mode: Mode | None
    workers: int | None
    scheduling: Scheduling | None
    reserve_cpus: int
    worker_memory_mb: int
    reserve_memory_mb: int
    decision_table: str | None  # a table file replacing the shipped one
    kind: str | None  # fleet_kind: overrides the kind detected from facts


@dataclass(frozen=True)
class RolloutSettings:
    """How the host takes part in a rollout."""

    serial: int | str | list  # Ansible's serial: N, "N%", or a list of those
    max_fail_percentage: float
    health_timeout: float
    health_retries: int
    keep_releases: int
    hooks: tuple[Hook, ...]  # fleet_hooks, in order
    roles: tuple[str, ...]  # the folders of fleet_roles, in order
    build_host: str | None = None  # fleet_build_host: the inventory host that builds native addons for it
    bake_seconds: float = 0  # how long its batch is watched after it is deployed
    batch_pause: float = 0  # seconds between its batch and the next
    rollout_hooks: tuple[Hook, ...] = ()  # fleet_rollout_hooks, in order, run on the control machine


def app_settings(variables: Mapping) -> AppSpec | None:
    """The app the host runs, or None when it has none (fleet_app_name unset: a load balancer, say)."""
    name = variables.get("fleet_app_name")
    if not name:
        return None
    return AppSpec(
        name=name,
        user=variables.get("fleet_app_user") or name,
        entry=variables["fleet_app_entry"],
        port=variables["fleet_app_port"],
        health_path=variables["fleet_app_health_path"],
        writable_paths=tuple(variables["fleet_app_writable_paths"]),
        env=tuple(sorted(variables["fleet_app_env"].items())),
        src=variables.get("fleet_app_src"),
        slice=variables["fleet_app_slice"],
        stop_timeout=variables["fleet_stop_timeout"],
        reload_timeout=variables["fleet_reload_timeout"],
        socket=variables["fleet_app_socket"],
    )


def policy_settings(host_name: str, variables: Mapping) -> PolicySettings:
    """The policy variables; InventoryError (one line naming the host) when they contradict each other."""
    mode, scheduling = variables.get("fleet_mode"), variables.get("fleet_scheduling")
    policy = PolicySettings(
        mode=Mode(mode) if mode is not None else None,
        workers=variables.get("fleet_workers"),
        scheduling=Scheduling(scheduling) if scheduling is not None else None,
        reserve_cpus=variables["fleet_reserve_cpus"],
        worker_memory_mb=variables["fleet_worker_memory_mb"],
        reserve_memory_mb=variables["fleet_reserve_memory_mb"],
        decision_table=variables.get("fleet_decision_table"),
        kind=variables.get("fleet_kind"),
    )
    conflict = _conflict(policy)
    if conflict:
        raise InventoryError(f"host {host_name}: {conflict}")
    return policy


def _conflict(policy: PolicySettings) -> str | None:
    if policy.mode is Mode.SINGLE and policy.workers not in (None, 1):
        return (f"fleet_workers: {policy.workers} conflicts with fleet_mode: {Mode.SINGLE} (a single process is one"
                " worker); remove one of them")
    if policy.mode is Mode.SINGLE and policy.scheduling is not None:
        return (f"fleet_scheduling: {policy.scheduling} conflicts with fleet_mode: {Mode.SINGLE} (scheduling is for"
                f" {Mode.CLUSTER}); remove one of them")
    if policy.mode is None and policy.workers == 1 and policy.scheduling is not None:
        return (f"fleet_scheduling: {policy.scheduling} conflicts with fleet_workers: 1, which means {Mode.SINGLE};"
                f" set fleet_mode: {Mode.CLUSTER} for a one-worker cluster")
    return None


def rollout_settings(variables: Mapping) -> RolloutSettings:
    hooks = tuple(
        Hook(point, entry["command"] if isinstance(entry["command"], str) else tuple(entry["command"]),
             entry["delegate_to"], "fleet_hooks", entry.get("undoes"))
        for point, entries in (variables.get("fleet_hooks") or {}).items() for entry in entries
    )
    return RolloutSettings(
        serial=variables["fleet_serial"],
        max_fail_percentage=variables["fleet_max_fail_percentage"],
        health_timeout=variables["fleet_health_timeout"],
        health_retries=variables["fleet_health_retries"],
        keep_releases=variables["fleet_keep_releases"],
        hooks=hooks,
        roles=tuple(variables.get("fleet_roles") or ()),
        build_host=variables.get("fleet_build_host"),
        bake_seconds=variables["fleet_bake_seconds"],
        batch_pause=variables["fleet_batch_pause"],
        rollout_hooks=tuple(
            Hook(point, command if isinstance(command, str) else tuple(command), "localhost", "fleet_rollout_hooks")
            for point, commands in (variables.get("fleet_rollout_hooks") or {}).items() for command in commands),
    )
