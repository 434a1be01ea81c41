"""From an inventory's hosts to deploy jobs: probe and decide (the plan), pack the release once per app."""

from collections.abc import Callable, Sequence

from fleetctl.deploy.host import HostJob
from fleetctl.facts import ProbeResult
from fleetctl.facts.nodecache import NodeVersionCache
from fleetctl.inventory import Host, InventoryError, app_spec
from fleetctl.plan import HostPlan, desired_state, plan, releases_by_source


def check_deployable(hosts: Sequence[Host]) -> None:
    """Every host names an app and its source folder; raises InventoryError before any host is contacted."""
    for host in hosts:
        for variable in ("fleet_app_name", "fleet_app_src"):
            if not host.vars.get(variable):
                raise InventoryError(f"host {host.name}: {variable} is not set (needed to deploy)")
        app_spec(host)


def build_jobs(hosts: Sequence[Host], label: str | None, forks: int, trust_on_first_use: bool,
               on_probed: Callable[[ProbeResult], None] | None = None,
               rollback: bool = False, rollback_to: str | None = None,
               node_cache: NodeVersionCache | None = None) -> tuple[list[HostJob], list[HostPlan]]:
    check_deployable(hosts)
    releases = releases_by_source(hosts, label)
    # The plan here only probes and decides: each host's state is read under its deploy lock.
    plans = plan(hosts, forks=forks, trust_on_first_use=trust_on_first_use, on_probed=on_probed,
                 node_cache=node_cache)
    jobs = []
    for host, host_plan in zip(hosts, plans):
        if not host_plan.ok or host_plan.decision is None or host_plan.unit is None:
            jobs.append(HostJob(host, None, probe_error=host_plan.error))
            continue
        release = releases[host.vars["fleet_app_src"]]
        desired = desired_state(host, host_plan.decision, host_plan.unit, release)
        jobs.append(HostJob(host, desired, rollback_to=rollback_to, is_rollback=rollback))
    return jobs, plans
