"""One host's deploy lock: a folder made atomically, holding its owner, kept alive by a lease.

A rollout takes the lock of every one of its hosts before it changes any of them and
renews the lease while it runs (fleetctl.rollout.lock). The lease is timed by the host's
clock: the owner file's mtime is its last renewal, and the lock scripts print its age,
so every control machine, whatever its own clock says, sees a dead owner once its
lease has run out.
"""

import json
import os
import socket
import time
from dataclasses import dataclass

from fleetctl.remote import LockExit, script
from fleetctl.transport import Transport

# How long a lock outlives its owner's last renewal; the owner renews it every LEASE_S / 4. A renewal is one
# command on every host of the rollout: with a 60 s lease that was 33 commands a second on 500 hosts for the
# rollout's whole length, in rounds of 500 at once that doubled a no-op deploy's thread switching there and
# failed hosts (bench/scale). A dead owner's lock is broken at once from its own machine (its pid is gone), and
# `fleetctl unlock` removes one sooner from any.
LEASE_S = 300.0
HALF_MADE_RETRIES = 10


class LockHeld(Exception):
    """Another deploy holds the host; str() names the holder."""


@dataclass(frozen=True)
class LockOwner:
    """Who holds a lock: user, control machine, process, when it started, and its lease."""

    user: str
    control_host: str
    pid: int
    since: float
    lease_s: float = LEASE_S

    def to_json(self) -> str:
        return json.dumps({"user": self.user, "control_host": self.control_host, "pid": self.pid,
                           "since": self.since, "lease_s": self.lease_s}, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> "LockOwner | None":
        try:
            data = json.loads(text)
            return LockOwner(str(data["user"]), str(data["control_host"]), int(data["pid"]), float(data["since"]),
                             float(data.get("lease_s", LEASE_S)))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def describe(self) -> str:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        return f"{self.user}@{self.control_host} (pid {self.pid}, started {started})"

    def is_dead_here(self) -> bool:
        """True when the owner ran on this machine and its process is gone."""
        if self.control_host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


@dataclass(frozen=True)
class Holder:
    """A held lock as the lock scripts print it: its owner line and the age of its lease."""

    line: str  # the owner line as written ("" for a half-made lock: its owner died before writing it)
    age: float | None  # seconds since the last renewal, by the host's clock

    @property
    def owner(self) -> LockOwner | None:
        return LockOwner.from_json(self.line)

    @property
    def stale(self) -> bool:
        """The owner is gone: its lease ran out, or it ran on this machine and its process is dead."""
        owner = self.owner
        lease = owner.lease_s if owner else LEASE_S
        if self.age is None or self.age > lease:
            return True
        return owner is not None and owner.is_dead_here()

    def describe(self) -> str:
        owner = self.owner
        who = owner.describe() if owner else "a deploy that never wrote its name"
        if self.age is None:
            return who
        lease = owner.lease_s if owner else LEASE_S
        left = lease - self.age
        state = f"lease ends in {left:.0f} s" if left >= 0 else f"lease ran out {-left:.0f} s ago"
        return f"{who}, renewed {self.age:.0f} s ago ({state})"


def parse_holder(output: str) -> Holder:
    """What lib/lock-holder.sh printed: the owner line, then "age SECONDS"."""
    lines = [line for line in output.splitlines() if line.strip()]
    age = None
    if lines and lines[-1].startswith("age "):
        try:
            age = float(lines.pop()[4:])
        except ValueError:
            pass
    return Holder("\n".join(lines), age)


def this_process() -> LockOwner:
    return LockOwner(os.environ.get("USER") or str(os.getuid()), socket.gethostname(), os.getpid(), time.time())


def acquire(transport: Transport, root: str, owner: LockOwner, force: bool = False) -> None:
    """Take the lock of the folder `root` on the host (an app's root, or fleetctl's own for role-only hosts).

    A stale lock is broken and taken; force breaks a live one too. LockHeld names the holder otherwise."""
    result = transport.run([root, owner.to_json()], script=script("lock-acquire.sh"))
    for _ in range(HALF_MADE_RETRIES):
        if not (result.exit_code == LockExit.HELD and parse_holder(result.stdout).line == ""):
            break
        time.sleep(0.2)  # a deploy that just made the folder is about to write its name in it
        result = transport.run([root, owner.to_json()], script=script("lock-acquire.sh"))
    if result.ok:
        return
    if result.exit_code == LockExit.HELD:
        holder = parse_holder(result.stdout)
        if holder.line == owner.to_json():
            return  # ours already: two inventory names for one machine share its lock folder
        if force or holder.stale:
            break_lock(transport, root, None if force else holder)
            result = transport.run([root, owner.to_json()], script=script("lock-acquire.sh"))
            if result.ok:
                return
            holder = parse_holder(result.stdout)
        if result.exit_code == LockExit.HELD:
            raise LockHeld(f"{transport.name}: deploy refused: {root} is locked by {holder.describe()} "
                           "(fleetctl unlock removes a lock whose rollout is gone)")
    raise LockHeld(f"{transport.name}: cannot take the deploy lock: {result.stderr.strip() or result.exit_code}")


def renew(transport: Transport, root: str, owner: LockOwner) -> Holder | None:
    """Renew the lease; None when renewed, else who holds the lock now (line "" when nobody does)."""
    result = transport.run([root, owner.to_json()], script=script("lock-renew.sh"))
    return None if result.ok else parse_holder(result.stdout)


def release(transport: Transport, root: str, owner: LockOwner) -> None:
    transport.run([root, owner.to_json()], script=script("lock-release.sh"))


def show(transport: Transport, root: str) -> Holder | None:
    """Who holds the lock of `root`, or None when nobody does."""
    result = transport.run([root], script=script("lock-show.sh"))
    return parse_holder(result.stdout) if result.exit_code == LockExit.HELD else None


def break_lock(transport: Transport, root: str, seen: Holder | None = None) -> Holder | None:
    """Remove the lock; with seen, only while its owner line is still seen's. None when removed (or there was
    none), else the holder that replaced seen."""
    result = transport.run([root, seen.line if seen else ""], script=script("lock-break.sh"))
    return None if result.ok else parse_holder(result.stdout)
