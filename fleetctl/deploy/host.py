"""Deploy (or roll back) one host with an app: state, steps, switch, activate, health gate, and rollback on failure."""

import time
from dataclasses import replace

from fleetctl.deploy.files import PreviousFile, file_steps, read_file_states, read_previous, restore_steps
from fleetctl.deploy.health import wait_healthy
from fleetctl.deploy.hooks import HookFailed, HostHooks
from fleetctl.deploy.hoststate import HostState, read_host_state
from fleetctl.deploy.job import HostJob, HostOutcome, Report, StepFailed
from fleetctl.deploy.release import releases_to_prune
from fleetctl.deploy.steps import (
    DesiredState, Step, WriteFile, host_changes, host_marker, mark_activated_command, prune_command,
    undo_first_deploy_command,
)
from fleetctl.domain import Activation, HostResult, Mode, RunningProcess
from fleetctl.transport import Connect, Transport, TransportError


def with_cleanups(outcome: HostOutcome, hooks: HostHooks) -> HostOutcome:
    """A failed host's outcome once the cleanup hooks that are due have run (their failures added to it)."""
    failures = hooks.cleanups()
    return replace(outcome, detail="; ".join([outcome.detail, *failures])) if failures else outcome


def run_step(transport: Transport, step: Step) -> None:
    if isinstance(step, WriteFile):
        transport.put(step.content, step.path, step.mode, timeout=600)
        return
    result = transport.run(list(step.argv), script=step.script, timeout=step.timeout)
    if not result.ok:
        cause = (result.stderr.strip().splitlines() or result.stdout.strip().splitlines()
                 or [f"exit code {result.exit_code}"])[-1]
        raise StepFailed(f"{step.summary}: {cause}")


class HostDeploy:
    """One host's deploy, with everything it needs to undo itself."""

    def __init__(self, job: HostJob, transport: Transport, connect: Connect, report: Report):
        self.job = job
        self.app = job.desired.app
        self.transport = transport
        self.connect = connect
        self.report = lambda what: report(job.name, what)
        self.started = time.monotonic()
        self.touched = False  # a step that changes the host has run (or was started)
        self.previous_files: tuple[PreviousFile, ...] = ()  # the role files this deploy changes, as they were

    def _target(self, before: HostState) -> tuple[DesiredState, str | None]:
        """The desired state and what `previous` becomes: a deploy's, or a rollback's."""
        if not self.job.is_rollback:
            return self.job.desired, None
        release = self.job.rollback_to or before.previous
        if not release:
            raise StepFailed("no previous release to roll back to")
        if release not in before.releases:
            raise StepFailed(f"release {release} is not on the host (it has: {', '.join(before.releases) or 'none'})")
        return replace(self.job.desired, release_id=release, archive=None), before.current or ""

    def run(self) -> HostOutcome:
        """Run under the rollout's lock on the host (fleetctl.rollout.lock)."""
        self.report("reading the host's state")
        before = read_host_state(self.transport, self.app)
        try:
            desired, previous_after = self._target(before)
        except StepFailed as error:  # a rollback with nothing (or no such release) to return to
            return self._outcome(HostResult.FAILED, before.current, self.job.rollback_to, str(error))
        if self.job.is_rollback:  # it returns the app, and the role files this rollout changed, if any
            files = restore_steps(self.job.restore_files)
        else:
            states = read_file_states(self.transport, [file.path for file in desired.role_files])
            files = file_steps(desired.role_files, states)
        changes = host_changes(desired, before, previous_after, files=files)
        decision = desired.decision
        if changes.unchanged:
            return self._outcome(HostResult.UNCHANGED, before.current, desired.release_id,
                                 f"already runs release {desired.release_id}; nothing to change")
        hooks = HostHooks(self.job.roles.hooks_at, self.job.name, self._environment(before, desired),
                          self.transport, self.connect, self.report)
        try:
            if changes.files and not self.job.is_rollback:
                self.previous_files = read_previous(self.transport, desired.role_files, states)
            hooks.run("before_host")
            self._steps(changes.prepare + changes.files)
            hooks.run("before_switch")
            self._steps(changes.switch + changes.activate)
            hooks.run("after_switch")
            self.report(f"health gate: {self.app.health_path} on release {desired.release_id}")
            health = self._wait_healthy(RunningProcess(decision.mode, decision.workers, decision.scheduling),
                                        desired.release_id)
            if not health.healthy:
                raise StepFailed(f"health gate failed after {health.attempts} checks: {health.detail}")
            after = self._mark_activated()
        except (StepFailed, TransportError, HookFailed) as error:
            return with_cleanups(self._fail(before, desired, str(error), self.touched), hooks)
        self._prune(after)
        try:
            hooks.run("after_host")
        except HookFailed as error:
            return with_cleanups(self._outcome(
                HostResult.FAILED, before.current, desired.release_id,
                f"release {desired.release_id} runs, healthy, but {error}", changes.activation), hooks)
        return self._outcome(HostResult.DEPLOYED, before.current, desired.release_id, changes.activation.done,
                             changes.activation)

    def _steps(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            self.report(step.summary)
            self.touched = True
            run_step(self.transport, step)

    def _mark_activated(self) -> HostState:
        """Record on the host that what its files now call for runs and is healthy."""
        after = read_host_state(self.transport, self.app)
        run_step(self.transport, mark_activated_command(self.app, host_marker(after)))
        return after

    def _environment(self, before: HostState, desired: DesiredState) -> dict[str, str]:
        return {
            "FLEET_HOST": self.job.name, "FLEET_HOST_ADDRESS": self.job.host.connection.address,
            "FLEET_APP": self.app.name, "FLEET_APP_PORT": str(self.app.port),
            "FLEET_RELEASE": desired.release_id, "FLEET_PREVIOUS_RELEASE": before.current or "",
        }

    def _prune(self, after: HostState) -> None:
        old = releases_to_prune(list(after.releases), after.current, after.previous,
                                self.job.host.rollout.keep_releases)
        if old:
            self.report(f"removing {len(old)} old release(s)")
            run_step(self.transport, prune_command(self.app, old))

    def _fail(self, before: HostState, desired: DesiredState, cause: str, touched: bool) -> HostOutcome:
        """Put the host back as it was before this deploy and check it is healthy there."""
        if not touched:
            return self._outcome(HostResult.FAILED, before.current, desired.release_id, cause)
        try:
            detail = self._restore(before, desired)
        except (StepFailed, TransportError) as error:
            return self._outcome(HostResult.FAILED, before.current, desired.release_id,
                                 f"{cause}; rollback FAILED: {error}")
        result = HostResult.ROLLED_BACK if before.current else HostResult.FAILED
        return self._outcome(result, before.current, desired.release_id, f"{cause}; {detail}")

    def _restore(self, before: HostState, desired: DesiredState) -> str:
        if before.current is None:
            self.report("no earlier release to return to: removing what this first deploy installed")
            run_step(self.transport, undo_first_deploy_command(self.app, desired.release_id,
                                                               created_user=not before.user_exists))
            return "a first deploy, so no earlier release to return to: the host is left as it was before it"
        self.report(f"rolling back to release {before.current}")
        now = read_host_state(self.transport, self.app)
        # The units as they were: a host deployed before it had a socket unit gets none again.
        restore = replace(desired, release_id=before.current, archive=None, unit=before.unit or desired.unit,
                          socket_unit=before.socket_unit if before.unit else desired.socket_unit,
                          process=before.process or desired.process)
        changes = host_changes(restore, now, previous_after=before.previous or "",
                               files=restore_steps(self.previous_files))
        self._steps(changes.prepare + changes.files + changes.switch + changes.activate)
        health = self._wait_healthy(before.running or RunningProcess(Mode.SINGLE, 1, None), before.current)
        if not health.healthy:
            raise StepFailed(f"release {before.current} is not healthy either: {health.detail}")
        self._mark_activated()
        return f"rolled back to {before.current}, healthy"

    def _wait_healthy(self, process: RunningProcess, release_id: str):
        return wait_healthy(self.transport, self.app, process, release_id,
                            timeout=self.job.host.rollout.health_timeout, retries=self.job.host.rollout.health_retries)

    def _outcome(self, result: HostResult, from_release: str | None, to_release: str | None, detail: str,
                 activation: Activation = Activation.NONE) -> HostOutcome:
        decision = self.job.desired.decision
        # Kept only where they stay changed: a rolled-back or failed host has had them put back already.
        kept = self.previous_files if result is HostResult.DEPLOYED else ()
        return HostOutcome(self.job.name, result, from_release, to_release, decision.mode, decision.workers,
                           time.monotonic() - self.started, detail, activation, kept)
