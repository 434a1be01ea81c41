"""Run one host's job: an app host's deploy or rollback, or a role-only host's.

The host's deploy lock is the rollout's to take and hold (fleetctl.rollout.lock).
"""


from fleetctl.deploy.host import HostDeploy
from fleetctl.deploy.job import HostJob, HostOutcome, Report
from fleetctl.deploy.rolehost import RoleHostDeploy
from fleetctl.transport import Connect, Transport


def run_job(job: HostJob, transport: Transport, connect: Connect, report: Report) -> HostOutcome:
    deploy = HostDeploy(job, transport, connect, report) if job.desired is not None else \
        RoleHostDeploy(job, transport, connect, report)
    return deploy.run()
