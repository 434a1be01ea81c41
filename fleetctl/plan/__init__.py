"""Plan: for every host, facts -> decision -> rendered unit -> what a deploy would change (hosts.py),
and the deploy jobs a rollout runs (jobs.py)."""

from fleetctl.plan.hosts import HostPlan, decide_host, desired_state, load_host_tables, plan, releases_by_source
from fleetctl.plan.jobs import build_jobs, check_deployable

__all__ = [
    "HostPlan",
    "build_jobs",
    "check_deployable",
    "decide_host",
    "desired_state",
    "load_host_tables",
    "plan",
    "releases_by_source",
]
