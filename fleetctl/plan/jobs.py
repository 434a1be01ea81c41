"""From an inventory's hosts to deploy jobs: probe and decide (the plan), pack the release once per app."""

from collections.abc import Callable, Sequence

from fleetctl.deploy.job import HostJob
from fleetctl.facts import ProbeResult
from fleetctl.facts.probecache import ProbeCache
from fleetctl.inventory import Host, InventoryError
from fleetctl.plan.hosts import HostPlan, desired_state, plan, releases_by_source
from fleetctl.roles.render import NO_ROLES, HostRoles


def check_deployable(hosts: Sequence[Host]) -> None:
    """Every host names an app and its source folder, or has roles (a load balancer, say);
    raises InventoryError before any host is contacted."""
    for host in hosts:
        if host.app is None and host.rollout.roles:
            continue
        missing = "fleet_app_name" if host.app is None else "fleet_app_src" if not host.app.src else None
        if missing:
            raise InventoryError(f"host {host.name}: {missing} is not set (needed to deploy; "
                                 "a host without an app needs fleet_roles)")


def build_jobs(hosts: Sequence[Host], roles: dict[str, HostRoles], label: str | None, forks: int,
               trust_on_first_use: bool, on_probed: Callable[[ProbeResult], None] | None = None,
               rollback: bool = False, rollback_to: str | None = None,
               probe_cache: ProbeCache | None = None) -> tuple[list[HostJob], list[HostPlan]]:
    """The rollout's jobs, hosts with roles and no app first (a load balancer is ready before its
    backends are drained through it); a rollback leaves those out, it returns apps only."""
    check_deployable(hosts)
    if rollback:
        hosts = [host for host in hosts if host.app]
    releases = releases_by_source(hosts, label)
    # The plan here only probes and decides: each host's state is read under its deploy lock.
    plans = plan(hosts, forks=forks, trust_on_first_use=trust_on_first_use, on_probed=on_probed,
                 probe_cache=probe_cache)
    jobs = []
    for host, host_plan in zip(hosts, plans):
        host_roles = roles.get(host.name, NO_ROLES)
        if not host_plan.ok or (host.app and (host_plan.decision is None or host_plan.unit is None)):
            jobs.append(HostJob(host, None, probe_error=host_plan.error or "no decision", roles=host_roles))
        elif not host.app:
            jobs.append(HostJob(host, None, roles=host_roles))
        else:
            release = releases[host.app.src]
            desired = desired_state(host, host_plan.decision, host_plan.unit, release, host_roles)
            jobs.append(HostJob(host, desired, rollback_to=rollback_to, is_rollback=rollback, roles=host_roles))
    jobs.sort(key=lambda job: job.host.app is not None)  # stable: inventory order otherwise
    return jobs, plans
