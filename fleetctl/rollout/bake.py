"""A batch's bake: its deployed hosts watched for fleet_bake_seconds; a host that fails it is rolled back and
counts as failed in its batch, as a host that failed its health gate does."""

from collections.abc import Callable
from dataclasses import replace

from fleetctl.deploy.bake import BakeResult, bake
from fleetctl.deploy.job import HostJob, HostOutcome, Report
from fleetctl.domain import HostResult, RunningProcess
from fleetctl.fanout import fan_out
from fleetctl.transport import Connect


def bake_batch(jobs: list[HostJob], outcomes: list[HostOutcome], connect: Connect,
               run_jobs: Callable[[list[HostJob]], list[HostOutcome]], report: Report,
               forks: int) -> list[HostOutcome]:
    """The batch's outcomes once its bake is over (the same when it has no bake or nothing was deployed)."""
    seconds = jobs[0].host.rollout.bake_seconds if jobs else 0
    deployed = [(job, outcome) for job, outcome in zip(jobs, outcomes)
                if outcome.result is HostResult.DEPLOYED and job.desired is not None]
    if not seconds or not deployed:
        return outcomes

    def watch(pair: tuple[HostJob, HostOutcome]) -> BakeResult:
        job, outcome = pair
        decision = job.desired.decision
        process = RunningProcess(decision.mode, decision.workers, decision.scheduling)
        with connect(job.name) as transport:
            return bake(transport, job.desired.app, process, outcome.to_release, seconds,
                        lambda what: report(job.name, what))

    results = fan_out(deployed, watch, forks, failed=lambda pair, error: BakeResult(
        False, f"bake failed: {type(error).__name__}: {error}"))
    failed = [(job, outcome, result) for (job, outcome), result in zip(deployed, results) if not result.healthy]
    rollbacks = run_jobs([replace(job, is_rollback=True, rollback_to=outcome.from_release,
                                  restore_files=outcome.previous_files)
                          for job, outcome, _ in failed if outcome.from_release])
    returned = {rollback.host: rollback for rollback in rollbacks}
    after = {job.name: replace(outcome, detail=f"{outcome.detail}; {result.detail}")
             for (job, outcome), result in zip(deployed, results) if result.healthy}
    for job, outcome, result in failed:
        rollback = returned.get(job.name)
        cause = f"{outcome.detail}; {result.detail}"
        if rollback is None:
            after[job.name] = replace(outcome, result=HostResult.FAILED,
                                      detail=f"{cause}; a first deploy: no earlier release to return to")
        elif rollback.ok:
            after[job.name] = replace(outcome, result=HostResult.ROLLED_BACK,
                                      detail=f"{cause}; rolled back to {outcome.from_release}, healthy")
        else:
            after[job.name] = replace(outcome, result=HostResult.FAILED,
                                      detail=f"{cause}; rollback FAILED: {rollback.detail}")
        report(job.name, f"{after[job.name].result}: {after[job.name].detail}")
    return [after.get(outcome.host, outcome) for outcome in outcomes]
