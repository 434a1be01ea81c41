"""One lock per rollout: every host's deploy lock, taken before any host is changed, renewed until the end.

Each host keeps its lock where its deploy works (fleetctl.deploy.lock): its app's
folder, or fleetctl's own for a host without an app. A rollout takes them all in
parallel first; when another live rollout holds any of them, it gives back what it
took and changes nothing. While it runs, a thread renews every lease over the
host's connection, so a lock outlives its owner by at most a lease.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fleetctl.deploy import lock
from fleetctl.fanout import fan_out
from fleetctl.inventory import Host
from fleetctl.transport import Connect, TransportError

# Where a host without an app keeps its deploy lock; an app host locks its app's folder,
# so two apps on one host deploy independently.
LOCK_ROOT_WITHOUT_APP = "/var/lib/fleetctl"
RENEW_EVERY_S = lock.LEASE_S / 4
# Renewing is background work: a round of every host at once (forks = hosts) ran hundreds of threads beside the
# rollout's own for no gain: a host's next renewal is due minutes later.
RENEW_AT_ONCE = 32


def lock_root(host: Host) -> str:
    return host.app.root if host.app is not None else LOCK_ROOT_WITHOUT_APP


@dataclass(frozen=True)
class Refusal:
    host: str
    why: str  # one line naming the host and the lock's holder


class RolloutLock:
    """The deploy locks of a rollout's hosts, as one lock: acquire() all, then release() all.

    connect(name) gives a host's connection for a `with` block: the command's pool keeps it open between
    blocks (fleetctl.transport.pool), so renewing a lease costs one exec on a connection already there.
    """

    def __init__(self, hosts: Sequence[Host], connect: Connect,
                 owner: lock.LockOwner, forks: int = 10, force: bool = False,
                 root_of: Callable[[Host], str] = lock_root):
        self.hosts = list(hosts)
        self.root_of = root_of
        self.connect = connect
        self.owner = owner
        self.forks = forks
        self.force = force
        self.held: set[str] = set()  # the hosts whose lock is ours
        self.unreachable: dict[str, str] = {}  # host -> why its lock could not be asked for
        self.lost: dict[str, str] = {}  # host -> who took its lock while this rollout ran
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> list[Refusal]:
        """Take every host's lock; the hosts held by another live rollout (nothing is kept then).

        A host that cannot be reached is left out (unreachable): its own turn in the rollout fails."""
        refusals = [refusal for refusal in fan_out(self.hosts, self._acquire_one, self.forks, failed=self._failed)
                    if refusal is not None]
        if refusals:
            self.release()
            return refusals
        self._renewer = threading.Thread(target=self._renew_until_stopped, name="lock-lease", daemon=True)
        self._renewer.start()
        return []

    def _acquire_one(self, host: Host) -> Refusal | None:
        try:
            with self.connect(host.name) as transport:
                lock.acquire(transport, self.root_of(host), self.owner, force=self.force)
        except lock.LockHeld as error:
            return Refusal(host.name, str(error))
        except TransportError as error:
            self.unreachable[host.name] = str(error)
            return None
        with self._guard:
            self.held.add(host.name)
        return None

    def _failed(self, host: Host, error: Exception) -> Refusal:
        return Refusal(host.name, f"{host.name}: cannot take the deploy lock: {type(error).__name__}: {error}")

    def _renew_until_stopped(self) -> None:
        while not self._stop.wait(RENEW_EVERY_S):
            self.renew()

    def renew(self) -> None:
        """Renew every held lease once; a lock someone else took is recorded in lost."""
        hosts = [host for host in self.hosts if host.name in self.held and host.name not in self.lost]
        fan_out(hosts, self._renew_one, min(self.forks, RENEW_AT_ONCE), failed=lambda host, error: None)

    def _renew_one(self, host: Host) -> None:
        try:
            with self.connect(host.name) as transport:
                holder = lock.renew(transport, self.root_of(host), self.owner)
        except TransportError:
            return  # the host may be down for a moment: renewed at the next round, if it is back
        if holder is not None:
            who = holder.describe() if holder.line else "nobody (it was removed)"
            self.lost[host.name] = f"{host.name}: the deploy lock was taken over; it is now held by {who}"

    def release(self) -> None:
        """Stop renewing and give back every lock still ours; never raises."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()

        def give_back(host: Host) -> None:
            try:
                with self.connect(host.name) as transport:
                    lock.release(transport, self.root_of(host), self.owner)
            except TransportError:
                pass  # the host went away: its lease runs out, and our pid is gone once we exit

        fan_out([host for host in self.hosts if host.name in self.held], give_back, self.forks,
                failed=lambda host, error: None)
        self.held.clear()


@dataclass(frozen=True)
class UnlockRow:
    host: str
    holder: str | None  # who held the lock (None: there was none, or the host could not be asked)
    ok: bool  # the host has no lock now
    detail: str


def unlock_hosts(hosts: Sequence[Host], connect: Connect, force: bool,
                 forks: int = 10, root_of: Callable[[Host], str] = lock_root) -> list[UnlockRow]:
    """`fleetctl unlock`: remove each host's deploy lock whose owner is gone (lease run out, or a dead process
    of this machine); with force, a live one too."""

    def one(host: Host) -> UnlockRow:
        root = root_of(host)
        try:
            with connect(host.name) as transport:
                holder = lock.show(transport, root)
                if holder is None:
                    return UnlockRow(host.name, None, True, f"no lock on {root}")
                if not (force or holder.stale):
                    return UnlockRow(host.name, holder.describe(), False,
                                     f"{root} is locked by a live rollout: {holder.describe()}; "
                                     "it may still be running (--force removes it anyway)")
                replaced = lock.break_lock(transport, root, None if force else holder)
                if replaced is not None:
                    return UnlockRow(host.name, replaced.describe(), False,
                                     f"{root} was taken meanwhile by {replaced.describe()}; kept")
                return UnlockRow(host.name, holder.describe(), True, f"removed the lock of {root}")
        except TransportError as error:
            return UnlockRow(host.name, None, False, str(error))

    return fan_out(hosts, one, forks, failed=lambda host, error: UnlockRow(
        host.name, None, False, f"{host.name}: unexpected {type(error).__name__}: {error}"))
