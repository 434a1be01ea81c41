"""The per-host deploy lock: a directory made atomically, holding who took it and when."""

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

from fleetctl.remote import LockExit, script
from fleetctl.transport import Transport, TransportError

STALE_AFTER_S = 3600


class LockHeld(Exception):
    """Another deploy holds the host; str() names the holder."""


@dataclass(frozen=True)
class LockOwner:
    user: str
    control_host: str
    pid: int
    since: float

    def to_json(self) -> str:
        return json.dumps({"user": self.user, "control_host": self.control_host, "pid": self.pid, "since": self.since},
                          sort_keys=True)

    @staticmethod
    def from_json(text: str) -> "LockOwner | None":
        try:
            data = json.loads(text)
            return LockOwner(str(data["user"]), str(data["control_host"]), int(data["pid"]), float(data["since"]))
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        age = time.time() - self.since
        return f"{self.user}@{self.control_host} (pid {self.pid}) for {age:.0f} s"


def this_process() -> LockOwner:
    return LockOwner(os.environ.get("USER") or str(os.getuid()), socket.gethostname(), os.getpid(), time.time())


def is_stale(owner: LockOwner | None, now: float, stale_after: float = STALE_AFTER_S) -> bool:
    """A lock is stale when its owner is gone (same control machine, no such process) or too old."""
    if owner is None:
        return True  # half-written: its owner died between mkdir and writing
    if now - owner.since > stale_after:
        return True
    if owner.control_host == socket.gethostname():
        try:
            os.kill(owner.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
    return False


def acquire(transport: Transport, root: str, owner: LockOwner, force: bool = False) -> None:
    """Take the lock of the folder `root` on the host (an app's root, or fleetctl's own for role-only hosts)."""
    result = transport.run([root, owner.to_json()], script=script("lock-acquire.sh"))
    if result.ok:
        return
    holder = LockOwner.from_json(result.stdout.strip())
    if result.exit_code == LockExit.HELD and (force or is_stale(holder, time.time())):
        transport.run([root], script=script("lock-break.sh"))
        result = transport.run([root, owner.to_json()], script=script("lock-acquire.sh"))
        if result.ok:
            return
        holder = LockOwner.from_json(result.stdout.strip())
    if result.exit_code == LockExit.HELD:
        who = holder.describe() if holder else "an unknown deploy"
        raise LockHeld(f"{transport.name}: deploy refused: {root} is locked by {who} "
                       "(use --force-unlock if that deploy is gone)")
    raise LockHeld(f"{transport.name}: cannot take the deploy lock: {result.stderr.strip() or result.exit_code}")


def release(transport: Transport, root: str, owner: LockOwner) -> None:
    transport.run([root, owner.to_json()], script=script("lock-release.sh"))


@contextlib.contextmanager
def held(transport: Transport, root: str, owner: LockOwner, force: bool = False) -> Iterator[None]:
    """The lock of `root` on the host, held for the block; given back even when the block fails."""
    acquire(transport, root, owner, force=force)
    try:
        yield
    finally:
        try:
            release(transport, root, owner)
        except TransportError:
            pass  # the host went away; the lock is stale by our pid once we exit
