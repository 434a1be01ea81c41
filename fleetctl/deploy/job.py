"""A host's part in a rollout (its job) and how it ended (its outcome)."""

from collections.abc import Callable
from dataclasses import dataclass

from fleetctl.deploy.files import PreviousFile
from fleetctl.deploy.steps import DesiredState
from fleetctl.domain import Activation, HostResult, Mode
from fleetctl.inventory import Host
from fleetctl.roles.render import NO_ROLES, HostRoles

Report = Callable[[str, str], None]  # (host, what it is doing now)


class StepFailed(Exception):
    pass


@dataclass(frozen=True)
class HostJob:
    host: Host
    desired: DesiredState | None  # None when the host could not be probed, or has roles and no app
    rollback_to: str | None = None  # a rollback job: this release, or the host's previous one when None
    is_rollback: bool = False
    probe_error: str | None = None
    roles: HostRoles = NO_ROLES  # its roles' files, and the hooks of its rollout
    # A rollback that also puts back the role files an earlier deploy of this rollout changed.
    restore_files: tuple[PreviousFile, ...] = ()

    @property
    def name(self) -> str:
        return self.host.name


@dataclass(frozen=True)
class HostOutcome:
    host: str
    result: HostResult
    from_release: str | None
    to_release: str | None
    mode: Mode | None  # None: no app (roles only), or no decision
    workers: int
    seconds: float
    detail: str
    activation: Activation = Activation.NONE
    previous_files: tuple[PreviousFile, ...] = ()  # the role files it changed, as they were (to roll back)

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def mode_shown(self) -> str:
        return self.mode or "-"

    def to_dict(self) -> dict:
        return {"host": self.host, "result": self.result, "from": self.from_release, "to": self.to_release,
                "mode": self.mode_shown, "workers": self.workers, "seconds": round(self.seconds, 2),
                "activation": self.activation, "detail": self.detail}


def failed_before_start(job: HostJob, cause: str) -> HostOutcome:
    """The outcome of a host that failed before anything ran on it (probe, connection, lock)."""
    decision = job.desired.decision if job.desired else None
    return HostOutcome(job.name, HostResult.FAILED, None, job.desired.release_id if job.desired else None,
                       decision.mode if decision else None, decision.workers if decision else 0, 0.0, cause)
