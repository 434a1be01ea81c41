"""From an inventory's hosts to deploy jobs: probe and decide (the plan), then each release's artifacts,
from the cache or built once per platform, all before any host is changed."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fleetctl.build.cache import ArtifactCache
from fleetctl.deploy.job import HostJob
from fleetctl.facts import ProbeResult
from fleetctl.facts.probecache import ProbeCache
from fleetctl.inventory import Host, InventoryError
from fleetctl.plan.hosts import HostPlan, desired_state, plan
from fleetctl.plan.releases import BuiltRelease, Connect, build_artifacts, read_releases
from fleetctl.roles.render import NO_ROLES, HostRoles


class DeployRefused(Exception):
    """Hosts that cannot take the release (no builder, node too old, no room...): nothing was changed.
    One line per host, each naming it."""

    def __init__(self, lines: Sequence[str]):
        super().__init__("\n".join(lines))
        self.lines = tuple(lines)


@dataclass(frozen=True)
class Jobs:
    jobs: list[HostJob]
    plans: list[HostPlan]
    builds: dict[str, BuiltRelease]  # app source folder -> its artifacts (empty for a rollback)


def rollout_hosts(hosts: Sequence[Host], build_host_names: frozenset[str]) -> list[Host]:
    """The hosts a rollout changes: a host that only builds for others (no app, no roles) is left out."""
    return [host for host in hosts
            if host.app is not None or host.rollout.roles or host.name not in build_host_names]


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
               probe_cache: ProbeCache | None = None, build_hosts: Sequence[Host] = (),
               connect: Connect | None = None, artifact_cache: ArtifactCache | None = None,
               progress: Callable[[str], None] = lambda message: None) -> Jobs:
    """The rollout's jobs, hosts with roles and no app first (a load balancer is ready before its
    backends are drained through it); a rollback leaves those out, it returns apps only.

    A deploy first plans every release's artifacts and builds what the cache lacks: DeployRefused
    when a host cannot take its release, BuildFailed when a build fails; either way no host was changed.
    """
    hosts = rollout_hosts(hosts, frozenset(host.name for host in build_hosts))
    check_deployable(hosts)
    if rollback:
        hosts = [host for host in hosts if host.app]
    releases = read_releases(hosts, label)
    plans = plan(hosts, forks=forks, trust_on_first_use=trust_on_first_use, on_probed=on_probed,
                 probe_cache=probe_cache, releases=None if rollback else releases, build_hosts=build_hosts,
                 artifact_cache=artifact_cache, connect=connect)
    builds: dict[str, BuiltRelease] = {}
    if not rollback:
        refused = [f"{row.host}: {row.release_plan.problems[row.host]}" for row in plans
                   if row.release_plan is not None and row.host in row.release_plan.problems]
        if refused:
            raise DeployRefused(refused)
        release_plans = {id(row.release_plan): row.release_plan for row in plans if row.release_plan is not None}
        builds = build_artifacts(list(release_plans.values()), artifact_cache or ArtifactCache.configured(),
                                 connect, progress)
    jobs = []
    for host, host_plan in zip(hosts, plans):
        host_roles = roles.get(host.name, NO_ROLES)
        if not host_plan.ok or (host.app and (host_plan.decision is None or host_plan.unit is None)):
            jobs.append(HostJob(host, None, probe_error=host_plan.error or "no decision", roles=host_roles))
        elif not host.app:
            jobs.append(HostJob(host, None, roles=host_roles))
        else:
            built = builds.get(host.app.src)
            archive = built.archive_for(host.name) if built else None
            desired = desired_state(host, host_plan.decision, host_plan.unit, releases[host.app.src].id, archive,
                                    host_roles)
            jobs.append(HostJob(host, desired, rollback_to=rollback_to, is_rollback=rollback, roles=host_roles))
    jobs.sort(key=lambda job: job.host.app is not None)  # stable: inventory order otherwise
    return Jobs(jobs, plans, builds)
