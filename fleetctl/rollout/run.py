"""Run a rollout: every host locked, the rollout's hooks around it, batches one after another, the hosts of a
batch in parallel, each batch baked, paced and (with --step) confirmed; stop past the failure threshold."""

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from fleetctl.deploy.job import HostJob, HostOutcome, Report, failed_before_start
from fleetctl.deploy.lock import LockOwner
from fleetctl.deploy.run import run_job
from fleetctl.domain import Hook, HostResult, RolloutOutcome
from fleetctl.facts import ProbeParseError
from fleetctl.fanout import fan_out
from fleetctl.rollout import record as records
from fleetctl.rollout.bake import bake_batch
from fleetctl.rollout.batches import exceeds_max_fail, make_batches
from fleetctl.rollout.hooks import run_rollout_hooks
from fleetctl.rollout.lock import Refusal, RolloutLock
from fleetctl.transport import Connect, ConnectTimeout, Transport, TransportError


CONNECT_ATTEMPTS = 2

# Asked before each batch (--step): (batch number from 1, number of batches, its hosts) -> go ahead?
ConfirmBatch = Callable[[int, int, list[str]], bool]


@dataclass(frozen=True)
class RolloutResult:
    outcomes: list[HostOutcome]  # in the order hosts were done
    not_started: list[str]
    stopped: str | None  # why the rollout stopped early, if it did
    aborted_rollbacks: list[HostOutcome]
    hook_failures: tuple[str, ...] = ()  # the rollout's own hooks (fleet_rollout_hooks) that failed

    @property
    def ok(self) -> bool:
        """Every host is done and fine (the rollout's hooks aside: see hook_failures)."""
        return self.stopped is None and all(outcome.ok for outcome in self.outcomes)

    @property
    def outcome(self) -> RolloutOutcome:
        return RolloutOutcome.SUCCEEDED if self.ok else RolloutOutcome.FAILED

    def to_dict(self) -> dict:
        """deploy --json's document (the CLI adds what it built), and what the rollout's hooks read."""
        def rows(outcomes: list[HostOutcome]) -> list[dict]:
            return [outcome.to_dict() for outcome in outcomes]
        return {"ok": self.ok, "outcome": self.outcome, "stopped": self.stopped, "hosts": rows(self.outcomes),
                "not_started": self.not_started, "abort_rollbacks": rows(self.aborted_rollbacks),
                "rollout_hooks_failed": list(self.hook_failures)}


class Rollout:
    """A rollout of jobs: locked, hooked (fleet_rollout_hooks), then batch by batch.

    about: what the rollout's hooks are told besides its result (command, inventory, releases).
    """

    def __init__(self, jobs: list[HostJob], connect: Connect, owner: LockOwner,
                 report: Report, forks: int = 10, force_unlock: bool = False,
                 record: records.RolloutRecord | None = None, confirm_batch: ConfirmBatch | None = None,
                 hooks: tuple[Hook, ...] = (), about: Mapping[str, object] | None = None):
        self.jobs = jobs
        self.confirm_batch = confirm_batch
        self.connect = connect
        self.owner = owner
        self.report = report
        self.forks = forks
        self.record = record
        self.hooks = hooks
        self.about = dict(about or {})
        self.lock = RolloutLock([job.host for job in jobs if not job.probe_error], self._open, owner, forks,
                                force_unlock)

    def run_host(self, job: HostJob) -> HostOutcome:
        if job.probe_error:
            return failed_before_start(job, job.probe_error)
        if job.name in self.lock.unreachable:
            return failed_before_start(job, self.lock.unreachable[job.name])
        try:
            with self._open(job.name) as transport:
                outcome = run_job(job, transport, self.connect, self.report)
        except (TransportError, ProbeParseError) as error:
            outcome = failed_before_start(job, str(error))
        self.report(job.name, f"{outcome.result}: {outcome.detail}")
        return outcome

    def _open(self, name: str) -> Transport:
        """Connect, once more after a timeout: a busy host (an emulated pi under load) can miss the
        10 s SSH banner wait once; any other failure (a refused key, no route) is final."""
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                return self.connect(name)
            except ConnectTimeout as error:
                if attempt == CONNECT_ATTEMPTS:
                    raise
                self.report(name, f"connecting again: {error}")
                time.sleep(1)
        raise AssertionError("unreachable")

    def run(self, abort_rolls_back: bool = False) -> RolloutResult:
        """Take every host's lock, run before_rollout, the batches, on_rollout_failure and after_rollout, give
        the locks back. A rollout refused by another's lock changes nothing, runs no hook and leaves the
        record of this inventory alone; one refused by before_rollout changes nothing either."""
        for job in self.jobs:
            if not job.probe_error:
                self.report(job.name, "taking the deploy lock")
        refusals = self.lock.acquire()
        if refusals:
            return self._refused(refusals)
        try:
            started = {**self.about, "outcome": RolloutOutcome.STARTED, "hosts": [],
                       "not_started": [job.name for job in self.jobs]}
            refused = self._run_hooks("before_rollout", started, stop_at_failure=True)
            if refused:
                result = RolloutResult([], started["not_started"], f"{refused[0]}; no host was changed", [])
            else:
                result = self._run_batches(abort_rolls_back)
            failed = [] if result.ok else self._run_hooks("on_rollout_failure", {**self.about, **result.to_dict()})
            after = self._run_hooks("after_rollout", {**self.about, **result.to_dict()})
            return replace(result, hook_failures=tuple(refused + failed + after))
        finally:
            self.lock.release()

    def _run_hooks(self, point: str, document: Mapping, stop_at_failure: bool = False) -> list[str]:
        return run_rollout_hooks(self.hooks, point, document, lambda what: self.report("rollout", what),
                                 stop_at_failure)

    def _refused(self, refusals: list[Refusal]) -> RolloutResult:
        refused = {refusal.host: refusal.why for refusal in refusals}
        outcomes = [failed_before_start(job, refused[job.name]) for job in self.jobs if job.name in refused]
        for outcome in outcomes:
            self.report(outcome.host, f"{outcome.result}: {outcome.detail}")
        return RolloutResult(outcomes, [job.name for job in self.jobs if job.name not in refused],
                             f"refused: {len(refused)} of {len(self.jobs)} hosts are locked by another rollout;"
                             " no host was changed", [])

    def _run_batches(self, abort_rolls_back: bool) -> RolloutResult:
        outcomes: list[HostOutcome] = []
        batches = make_batches(self.jobs, lambda job: job.host.rollout.serial)

        def stop(number: int, why: str, rollbacks: Sequence[HostOutcome] = ()) -> RolloutResult:
            """The rollout stopped before batch `number` (from 0): its hosts and the later ones are untouched."""
            later = [job.name for batch in batches[number:] for job in batch]
            return RolloutResult(outcomes, later, f"{why}; {len(later)} hosts not touched", list(rollbacks))

        self._record([])  # on file from the start: a rollout killed in its first batch can be resumed
        for number, batch in enumerate(batches):
            if number:
                self._pause(batches[number - 1][0].host.rollout.batch_pause, batch)
            if self.confirm_batch and not self.confirm_batch(number + 1, len(batches), [job.name for job in batch]):
                return stop(number, f"stopped by the operator before batch {number + 1}")
            if self.lock.lost:
                return stop(number, "; ".join(self.lock.lost.values()) + "; stopped")
            batch_outcomes = bake_batch(batch, self._run_hosts(batch), self._open, self._run_hosts, self.report,
                                        self.forks)
            outcomes += batch_outcomes
            self._record(batch_outcomes)
            failed = sum(not outcome.ok for outcome in batch_outcomes)
            threshold = batch[0].host.rollout.max_fail_percentage
            if exceeds_max_fail(failed, len(batch), threshold):
                rollbacks = self._roll_back_upgraded(outcomes) if abort_rolls_back else []
                return stop(number + 1, f"{failed} of {len(batch)} hosts in batch {number + 1} failed "
                                        f"(max_fail_percentage {threshold:g})", rollbacks)
        self._record([], finished=True)
        return RolloutResult(outcomes, [], None, [])

    def _pause(self, seconds: float, batch: list[HostJob]) -> None:
        if seconds > 0:
            for job in batch:
                self.report(job.name, f"waiting {seconds:g} s between batches (fleet_batch_pause)")
            time.sleep(seconds)

    def _roll_back_upgraded(self, outcomes: list[HostOutcome]) -> list[HostOutcome]:
        """--abort-rolls-back: the hosts this rollout upgraded go back to the release they had, and the role
        files it changed as they were, batch by batch as fleet_serial says; then the hosts without an app
        (a load balancer: its backends are back first, drained through it as they went)."""
        upgraded = {outcome.host: outcome for outcome in outcomes if outcome.result is HostResult.DEPLOYED}
        apps = [replace(job, is_rollback=True, rollback_to=upgraded[job.name].from_release,
                        restore_files=upgraded[job.name].previous_files)
                for job in self.jobs if job.name in upgraded and job.desired and upgraded[job.name].from_release]
        role_only = [replace(job, restore_files=upgraded[job.name].previous_files)
                     for job in self.jobs if job.name in upgraded and not job.desired
                     and upgraded[job.name].previous_files]
        returned: list[HostOutcome] = []
        for jobs in (apps, role_only):
            for batch in make_batches(jobs, lambda job: job.host.rollout.serial):
                returned += self._run_hosts(batch)  # every upgraded host goes back, whatever the others do
        return returned

    def _run_hosts(self, jobs: list[HostJob]) -> list[HostOutcome]:
        """Run jobs in parallel, forks at a time; outcomes in the jobs' order."""
        return fan_out(jobs, self.run_host, self.forks, failed=lambda job, error: failed_before_start(
            job, f"{job.name}: unexpected {type(error).__name__}: {error}"))

    def _record(self, outcomes: list[HostOutcome], finished: bool = False) -> None:
        if self.record is None:
            return
        for outcome in outcomes:
            self.record.hosts[outcome.host] = outcome.result
        self.record.finished = finished
        records.save(self.record)
