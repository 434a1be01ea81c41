"""The per-host deploy lock: a directory made atomically, holding who took it and when."""

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

from fleetctl.transport import Transport, TransportError

STALE_AFTER_S = 3600

# mkdir is atomic: exactly one deployer creates the lock directory.
ACQUIRE_SCRIPT = """root=$1 owner=$2
mkdir -p "$root" || exit 2
if mkdir "$root/.deploy.lock" 2>/dev/null; then
  printf '%s\\n' "$owner" > "$root/.deploy.lock/owner"; echo acquired; exit 0
fi
cat "$root/.deploy.lock/owner" 2>/dev/null; exit 3
"""
# Renaming first means two deployers breaking the same stale lock cannot both succeed.
BREAK_SCRIPT = """root=$1
mv "$root/.deploy.lock" "$root/.deploy.lock.broken.$$" 2>/dev/null && rm -rf "$root/.deploy.lock.broken.$$"
exit 0
"""
# A deploy that stopped before changing anything leaves no empty folder behind.
RELEASE_SCRIPT = """root=$1 owner=$2
[ "$(cat "$root/.deploy.lock/owner" 2>/dev/null)" = "$owner" ] && rm -rf "$root/.deploy.lock"
rmdir "$root" 2>/dev/null
exit 0
"""


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
    result = transport.run([root, owner.to_json()], script=ACQUIRE_SCRIPT)
    if result.ok:
        return
    holder = LockOwner.from_json(result.stdout.strip())
    if result.exit_code == 3 and (force or is_stale(holder, time.time())):
        transport.run([root], script=BREAK_SCRIPT)
        result = transport.run([root, owner.to_json()], script=ACQUIRE_SCRIPT)
        if result.ok:
            return
        holder = LockOwner.from_json(result.stdout.strip())
    if result.exit_code == 3:
        who = holder.describe() if holder else "an unknown deploy"
        raise LockHeld(f"{transport.name}: deploy refused: {root} is locked by {who} "
                       "(use --force-unlock if that deploy is gone)")
    raise LockHeld(f"{transport.name}: cannot take the deploy lock: {result.stderr.strip() or result.exit_code}")


def release(transport: Transport, root: str, owner: LockOwner) -> None:
    transport.run([root, owner.to_json()], script=RELEASE_SCRIPT)


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
