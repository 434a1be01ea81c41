"""Plan: for every host, facts -> decision -> rendered unit -> what a deploy would change (hosts.py);
each release and its artifacts per platform (releases.py); and the deploy jobs a rollout runs (jobs.py)."""

from fleetctl.plan.hosts import HostPlan, decide_host, desired_state, load_host_tables, plan
from fleetctl.plan.jobs import DeployRefused, Jobs, build_jobs, check_deployable, rollout_hosts
from fleetctl.plan.releases import AppRelease, ReleasePlan, build_hosts_for, read_releases

__all__ = [
    "AppRelease",
    "DeployRefused",
    "HostPlan",
    "Jobs",
    "ReleasePlan",
    "build_hosts_for",
    "build_jobs",
    "check_deployable",
    "decide_host",
    "desired_state",
    "load_host_tables",
    "plan",
    "read_releases",
    "rollout_hosts",
]
