"""Deploy a host that has roles and no app (a load balancer): its roles' files, their on_change, its hooks.

The same rules as an app host: the deploy lock, change detection (nothing
changed: nothing runs, hooks included), and the four hook points, cleanups
included; the files take effect between before_switch and after_switch. There
is no release to go back to: on a failure the host keeps what was written and
the rollout stops as for any failed host.
"""

import time

from fleetctl.deploy.files import file_steps, read_file_states, read_previous, restore_steps
from fleetctl.deploy.hooks import HookFailed, HostHooks
from fleetctl.deploy.host import run_step, with_cleanups
from fleetctl.deploy.job import HostJob, HostOutcome, Report, StepFailed
from fleetctl.deploy.steps import WriteFile
from fleetctl.domain import HostResult
from fleetctl.transport import Connect, Transport, TransportError


class RoleHostDeploy:
    def __init__(self, job: HostJob, transport: Transport, connect: Connect, report: Report):
        self.job, self.transport, self.connect = job, transport, connect
        self.report = lambda what: report(job.name, what)
        self.started = time.monotonic()

    def run(self) -> HostOutcome:
        """Run under the rollout's lock on the host (fleetctl.rollout.lock); with the job's restore_files, put
        those back instead (a rollback of this rollout)."""
        files = self.job.roles.files
        self.report("reading the roles' files")
        states = read_file_states(self.transport, [file.path for file in files])
        steps = restore_steps(self.job.restore_files) if self.job.restore_files else file_steps(files, states)
        if not steps:
            return self._outcome(HostResult.UNCHANGED, f"roles {', '.join(self.job.roles.roles)}: nothing to change")
        environment = {"FLEET_HOST": self.job.name, "FLEET_HOST_ADDRESS": self.job.host.connection.address}
        hooks = HostHooks(self.job.roles.hooks_at, self.job.name, environment, self.transport, self.connect,
                          self.report)
        previous = ()
        try:
            if not self.job.restore_files:
                previous = read_previous(self.transport, files, states)
            hooks.run("before_host")
            hooks.run("before_switch")
            for step in steps:
                self.report(step.summary)
                run_step(self.transport, step)
            hooks.run("after_switch")
            hooks.run("after_host")
        except (StepFailed, TransportError, HookFailed) as error:
            return with_cleanups(self._outcome(HostResult.FAILED, str(error)), hooks)
        roles = ", ".join(self.job.roles.roles)
        if self.job.restore_files:
            return self._outcome(HostResult.DEPLOYED, f"roles {roles}: {len(self.job.restore_files)} file(s) put back"
                                                      f" as they were, {len(steps)} step(s)")
        written = sum(1 for step in steps if isinstance(step, WriteFile))
        return self._outcome(HostResult.DEPLOYED, f"roles {roles}: {written} file(s) written, {len(steps)} step(s)",
                             previous)

    def _outcome(self, result: HostResult, detail: str, previous: tuple = ()) -> HostOutcome:
        return HostOutcome(self.job.name, result, None, None, None, 0, time.monotonic() - self.started, detail,
                           previous_files=previous)
