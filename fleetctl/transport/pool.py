"""One connection per host for the length of a command: opened on first use, given to every step that
needs the host (the probe, reading its state, the rollout, hooks delegated to it, a build on it), closed
when the command ends, also on an error or Ctrl-C.

At most CONNECTING_AT_ONCE connections are being opened at any moment, whatever --forks is: a handshake is
mostly CPU (the controller's key exchange in Python, the host's sshd), and 500 of them at once on one control
machine starved each other past paramiko's 15 s handshake timeout (a plan of 500 lab hosts lost 70 to 120 of
them). The forks still run side by side once connected.

A block that fails with a TransportError gives its connection up: the host may have gone away (killed,
rebooted), and whoever needs it next (a rollback of that host, a hook delegated to it) gets a fresh
connection, as a new connect() would have made.
"""

import threading
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager

from fleetctl.transport.base import Transport, TransportError

CONNECTING_AT_ONCE = 32

# What the steps of a command get to reach a host: `with connect(name) as transport: ...` (a ConnectionPool).
Connect = Callable[[str], AbstractContextManager[Transport]]


class ConnectionPool:
    """Call it with a host's name, as a connect function: `with pool(name) as transport: ...`."""

    def __init__(self, open_host: Callable[[str], Transport], connecting_at_once: int = CONNECTING_AT_ONCE):
        self._open_host = open_host
        self._connecting = threading.BoundedSemaphore(connecting_at_once)
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._open: dict[str, Transport] = {}
        self._closed = False
        self.opened: Counter[str] = Counter()  # connections made to each host, for the command's whole length

    def __call__(self, name: str) -> "Lease":
        """The host's connection, opened now if it is not open yet (a failure to connect raises here, as
        connect() does); `with` it for the block that uses it."""
        return Lease(self, name, self._get(name))

    def _get(self, name: str) -> Transport:
        with self._lock:
            if self._closed:
                raise TransportError(f"{name}: the command's connections are closed")
            host_lock = self._host_locks.setdefault(name, threading.Lock())
        with host_lock:  # two threads asking for one host at once make one connection
            transport = self._open.get(name)
            if transport is None:
                with self._connecting:
                    transport = self._open_host(name)
                with self._lock:
                    if self._closed:  # closed meanwhile (Ctrl-C): this one is not kept open either
                        transport.close()
                        raise TransportError(f"{name}: the command's connections are closed")
                    self._open[name] = transport
                    self.opened[name] += 1
            return transport

    def _give_up(self, name: str, transport: Transport) -> None:
        with self._lock:
            if self._open.get(name) is transport:
                del self._open[name]
        transport.close()

    def close(self) -> None:
        """Close every connection; later requests fail. Safe to call twice."""
        with self._lock:
            self._closed = True
            transports, self._open = list(self._open.values()), {}
        for transport in transports:
            transport.close()

    def __enter__(self) -> "ConnectionPool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Lease:
    """A pooled connection for one block: leaving the block keeps it open, unless the block failed with a
    TransportError (the connection is then given up, and the next block gets a new one)."""

    def __init__(self, pool: ConnectionPool, name: str, transport: Transport):
        self._pool, self._name, self.transport = pool, name, transport

    def __enter__(self) -> Transport:
        return self.transport

    def __exit__(self, kind: type | None, error: BaseException | None, traceback: object) -> None:
        if isinstance(error, TransportError):
            self._pool._give_up(self._name, self.transport)
