"""The deploy lock's owner: when a lock is stale, and the owner's record."""

import os
import socket
import time

from fleetctl.deploy.lock import LockOwner, is_stale


def test_a_lock_of_a_dead_process_here_is_stale_a_live_one_is_not():
    now = time.time()
    live = LockOwner("me", socket.gethostname(), os.getpid(), now)
    assert not is_stale(live, now)
    dead_pid = max(int(p) for p in os.listdir("/proc") if p.isdigit()) + 100000
    assert is_stale(LockOwner("me", socket.gethostname(), dead_pid, now), now)
    assert is_stale(LockOwner("me", "elsewhere", os.getpid(), now - 7200), now)
    assert not is_stale(LockOwner("me", "elsewhere", 1, now), now)
    assert is_stale(None, now)


def test_lock_owner_round_trips_and_names_the_holder():
    owner = LockOwner("ops", "laptop", 42, time.time() - 5)
    assert LockOwner.from_json(owner.to_json()) == owner
    assert owner.describe().startswith("ops@laptop (pid 42) for ")
    assert LockOwner.from_json("garbage") is None
