"""The values every layer shares: how an app runs, what a deploy does, how a host's deploy ends.

They are string enums so that JSON, the CLI's text and the files fleetctl
writes show exactly the words they always did ("cluster", "reload",
"rolled back"), while the code compares types, never loose strings. This is
the only module where those words are written out.
"""

import json
import shlex
from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    """How the app's processes run on a host."""

    SINGLE = "single"  # one Node process: `node app.js`
    CLUSTER = "cluster"  # fleetctl's cluster runtime forks workers


class Scheduling(StrEnum):
    """How a cluster hands connections to workers (NODE_CLUSTER_SCHED_POLICY)."""

    RR = "rr"  # the primary accepts and deals connections round-robin
    NONE = "none"  # the workers accept from the shared socket themselves


class Activation(StrEnum):
    """How a deploy makes the running app take its changes."""

    NONE = "none"  # nothing the process reads changed
    RELOAD = "reload"  # the cluster runtime replaces its workers one by one, no downtime
    RESTART = "restart"  # systemd restarts the service

    @property
    def done(self) -> str:
        """As a host's result detail says it: "reloaded", "restarted", or "switched" (no activation)."""
        return {Activation.NONE: "switched", Activation.RELOAD: "reloaded", Activation.RESTART: "restarted"}[self]


class ReleaseAction(StrEnum):
    """What a deploy does with the release's files on a host."""

    UPLOAD = "upload"  # not on the host yet: upload, unpack, switch
    SWITCH = "switch"  # on the host already: switch `current` to it
    NONE = "none"  # `current` is the release already


class HostResult(StrEnum):
    """How one host's deploy or rollback ended."""

    DEPLOYED = "deployed"
    UNCHANGED = "unchanged"
    ROLLED_BACK = "rolled back"  # failed, and is back on the release it had, healthy
    FAILED = "failed"

    @property
    def ok(self) -> bool:
        return self in (HostResult.DEPLOYED, HostResult.UNCHANGED)


class CommandResult(StrEnum):
    """How an ad-hoc command (`fleetctl exec`) ended on one host."""

    OK = "ok"  # exit code 0
    FAILED = "failed"  # a non-zero exit code, or the command could not finish (timed out, connection lost)
    UNREACHABLE = "unreachable"  # no connection: the command never started

    @property
    def ok(self) -> bool:
        return self is CommandResult.OK


class RolloutOutcome(StrEnum):
    """How a whole rollout stands, as its hooks (fleet_rollout_hooks) are told."""

    STARTED = "started"  # before_rollout: every host locked, none changed yet
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # a host failed, the rollout stopped, or before_rollout refused it


@dataclass(frozen=True)
class RunningProcess:
    """How the app on a host was started: what the deploy writes to the host beside the unit,
    so later commands read it back as data instead of reading the unit's text."""

    mode: Mode
    workers: int
    scheduling: Scheduling | None

    def to_json(self) -> str:
        return json.dumps({"mode": self.mode, "workers": self.workers, "scheduling": self.scheduling},
                          sort_keys=True) + "\n"

    @staticmethod
    def from_json(text: str | None) -> "RunningProcess | None":
        """None for a missing or unreadable file (a host deployed before the file existed)."""
        if not text or not text.strip():
            return None
        try:
            data = json.loads(text)
            scheduling = data.get("scheduling")
            return RunningProcess(Mode(data["mode"]), int(data["workers"]),
                                  Scheduling(scheduling) if scheduling is not None else None)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class Platform:
    """What a built release must match to run on a host: its native addons are binaries for one of these.

    os: "linux" (the kernel's ostype, lowercased); arch: the userland architecture, armv7l kept apart from
    aarch64; libc: "glibc" or "musl"; node_abi: Node's process.versions.modules ("108" for Node 18).
    """

    os: str
    arch: str
    libc: str
    node_abi: str

    @property
    def key(self) -> str:
        """One word naming the platform, as artifacts and plans show it: "linux-x86_64-glibc-node108"."""
        return f"{self.os}-{self.arch}-{self.libc}-node{self.node_abi}"

    def __str__(self) -> str:
        return self.key


# The points of a host's rollout where hooks run, in the order they run.
HOOK_POINTS = ("before_host", "before_switch", "after_switch", "after_host")
# The points of a whole rollout where hooks run on the control machine, in the order they run.
ROLLOUT_HOOK_POINTS = ("before_rollout", "on_rollout_failure", "after_rollout")

Command = str | tuple[str, ...]  # a shell command (run by sh -c), or an argument list


@dataclass(frozen=True)
class Hook:
    """A command at one point of a host's rollout, on the host, on a delegate host, or on the control machine.

    A cleanup hook (undoes: an earlier point) takes back what that point's hooks did, and runs
    whatever happens once the host's rollout has reached that point: at its own point when all
    goes well, else after the host was rolled back (or failed).
    """

    point: str
    command: Command
    delegate_to: str | None  # None: the host being deployed
    source: str = "fleet_hooks"  # where it came from: the inventory's fleet_hooks, or a role
    undoes: str | None = None  # the earlier point whose hooks this one undoes

    def where(self, host: str) -> str:
        return self.delegate_to or host

    def display(self, host: str) -> str:
        cleanup = f"; undoes {self.undoes}, runs whatever happens" if self.undoes else ""
        return f"{self.point} on {self.where(host)}: {self.shown_command()} ({self.source}{cleanup})"

    def shown_command(self) -> str:
        """The command as a shell would take it; a multi-line script shows as its line count."""
        words = [self.command] if isinstance(self.command, str) else list(self.command)
        shown = [f"<script, {word.strip().count(chr(10)) + 1} lines>" if "\n" in word.strip() else word
                 for word in words]
        if isinstance(self.command, str):
            return shown[0]
        return " ".join(word if word.startswith("<script") else shlex.quote(word) for word in shown)
