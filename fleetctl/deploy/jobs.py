"""From an inventory's hosts to deploy jobs: probe and decide (the plan), pack the release once per app."""

from collections.abc import Callable, Sequence
from pathlib import Path

from fleetctl.deploy.host import HostJob
from fleetctl.deploy.release import Release, ReleaseError, pack
from fleetctl.deploy.steps import DesiredState
from fleetctl.facts import ProbeResult
from fleetctl.inventory import Host, InventoryError, app_spec
from fleetctl.plan import HostPlan, plan
from fleetctl.render import render_env_file
from fleetctl.runtime import RUNTIME_FILE


def check_deployable(hosts: Sequence[Host]) -> None:
    """Every host names an app and its source folder; raises InventoryError before any host is contacted."""
    for host in hosts:
        for variable in ("fleet_app_name", "fleet_app_src"):
            if not host.vars.get(variable):
                raise InventoryError(f"host {host.name}: {variable} is not set (needed to deploy)")
        app_spec(host)


def pack_releases(hosts: Sequence[Host], label: str | None) -> dict[str, Release]:
    """One release per distinct app source folder, packed once for the whole rollout."""
    releases: dict[str, Release] = {}
    for host in hosts:
        source = host.vars["fleet_app_src"]
        if source not in releases:
            try:
                releases[source] = pack(Path(source), label)
            except ReleaseError as error:
                raise InventoryError(f"host {host.name}: {error}") from None
    return releases


def desired_state(host: Host, host_plan: HostPlan, release: Release) -> DesiredState:
    assert host_plan.decision is not None and host_plan.unit is not None
    app = app_spec(host)
    return DesiredState(
        app=app, decision=host_plan.decision, release_id=release.id, archive=release.archive,
        has_lockfile=release.has_lockfile, unit=host_plan.unit, env=render_env_file(app),
        runtime=RUNTIME_FILE.read_bytes(),
    )


def build_jobs(hosts: Sequence[Host], label: str | None, forks: int, trust_on_first_use: bool,
               on_probed: Callable[[ProbeResult], None] | None = None,
               rollback: bool = False, rollback_to: str | None = None) -> tuple[list[HostJob], list[HostPlan]]:
    check_deployable(hosts)
    releases = pack_releases(hosts, label)
    plans = plan(hosts, forks=forks, trust_on_first_use=trust_on_first_use, on_probed=on_probed)
    jobs = []
    for host, host_plan in zip(hosts, plans):
        if not host_plan.ok:
            jobs.append(HostJob(host, None, probe_error=host_plan.error))
            continue
        desired = desired_state(host, host_plan, releases[host.vars["fleet_app_src"]])
        jobs.append(HostJob(host, desired, rollback_to=rollback_to, is_rollback=rollback))
    return jobs, plans
