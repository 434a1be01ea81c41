"""Run one host's job under its deploy lock: an app host's deploy or rollback, or a role-only host's."""

from collections.abc import Callable

from fleetctl.deploy import lock
from fleetctl.deploy.host import HostDeploy
from fleetctl.deploy.job import HostJob, HostOutcome, Report
from fleetctl.deploy.rolehost import RoleHostDeploy
from fleetctl.transport import Transport

# Where a host without an app keeps its deploy lock; an app host locks its app's folder,
# so two apps on one host deploy independently.
LOCK_ROOT_WITHOUT_APP = "/var/lib/fleetctl"


def lock_root(job: HostJob) -> str:
    return job.desired.app.root if job.desired is not None else LOCK_ROOT_WITHOUT_APP


def run_job(job: HostJob, transport: Transport, connect: Callable[[str], Transport], owner: lock.LockOwner,
            report: Report, force_unlock: bool = False) -> HostOutcome:
    """Take the host's lock, run its deploy, give the lock back; LockHeld when another deploy holds it."""
    deploy = HostDeploy(job, transport, connect, report) if job.desired is not None else \
        RoleHostDeploy(job, transport, connect, report)
    report(job.name, "taking the deploy lock")
    with lock.held(transport, lock_root(job), owner, force=force_unlock):
        return deploy.run()
