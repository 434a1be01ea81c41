"""The deploy lock's owner and holder: what the lock scripts print, and when a lock is stale."""

import os
import socket
import time

from fleetctl.deploy.lock import LEASE_S, Holder, LockOwner, parse_holder


def dead_pid() -> int:
    return max(int(p) for p in os.listdir("/proc") if p.isdigit()) + 100000


def test_a_holder_is_stale_once_its_lease_ran_out_whichever_machine_owns_it():
    elsewhere = LockOwner("ops", "elsewhere", 1, time.time(), lease_s=30)
    assert not Holder(elsewhere.to_json(), age=29).stale
    assert Holder(elsewhere.to_json(), age=31).stale


def test_a_holder_of_this_machine_is_stale_at_once_when_its_process_is_gone():
    here = LockOwner("me", socket.gethostname(), os.getpid(), time.time())
    assert not Holder(here.to_json(), age=0).stale
    assert Holder(LockOwner("me", socket.gethostname(), dead_pid(), time.time()).to_json(), age=0).stale
    # Another machine's pid means nothing here: only its lease tells.
    assert not Holder(LockOwner("me", "elsewhere", dead_pid(), time.time()).to_json(), age=0).stale


def test_a_half_made_lock_gets_a_lease_from_its_folders_age():
    assert not Holder("", age=LEASE_S - 1).stale
    assert Holder("", age=LEASE_S + 1).stale
    assert Holder("", age=None).stale  # gone between the two reads


def test_parse_holder_reads_the_owner_line_and_the_age():
    owner = LockOwner("ops", "laptop", 42, 1_700_000_000.0, lease_s=60)
    holder = parse_holder(f"{owner.to_json()}\nage 12\n")
    assert (holder.owner, holder.age) == (owner, 12)
    assert parse_holder("age 3\n") == Holder("", 3)
    assert parse_holder("") == Holder("", None)


def test_lock_owner_round_trips_and_an_older_record_gets_the_default_lease():
    owner = LockOwner("ops", "laptop", 42, time.time() - 5, lease_s=20)
    assert LockOwner.from_json(owner.to_json()) == owner
    assert LockOwner.from_json('{"user": "a", "control_host": "b", "pid": 1, "since": 2}').lease_s == LEASE_S
    assert LockOwner.from_json("garbage") is None


def test_a_holder_names_user_machine_pid_start_and_lease():
    owner = LockOwner("ops", "laptop", 42, time.time(), lease_s=60)
    text = Holder(owner.to_json(), age=10).describe()
    assert text.startswith("ops@laptop (pid 42, started ")
    assert text.endswith("renewed 10 s ago (lease ends in 50 s)")
    assert Holder(owner.to_json(), age=70).describe().endswith("(lease ran out 10 s ago)")
