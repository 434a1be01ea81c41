"""Rollout pure parts: Ansible's serial and max_fail_percentage, lock staleness, the record."""

import os
import socket
import time

import pytest

from fleetctl.deploy.lock import LockOwner, is_stale
from fleetctl.rollout import record as records
from fleetctl.rollout.batches import batch_sizes, exceeds_max_fail, make_batches


@pytest.mark.parametrize("serial, total, sizes", [
    (1, 4, [1, 1, 1, 1]),
    (2, 5, [2, 2, 1]),
    ("50%", 5, [2, 2, 1]),
    ("10%", 5, [1, 1, 1, 1, 1]),
    ([1, "25%", "100%"], 10, [1, 2, 7]),
    ([1, 3], 10, [1, 3, 3, 3]),
    ("100%", 3, [3]),
])
def test_batch_sizes_follow_ansible_serial(serial, total, sizes):
    assert batch_sizes(serial, total) == sizes


def test_hosts_with_different_serial_are_batched_separately_in_order():
    hosts = [("pi1", 1), ("web1", "100%"), ("pi2", 1), ("web2", "100%")]
    batches = make_batches(hosts, lambda host: host[1])
    assert [[name for name, _ in batch] for batch in batches] == [["pi1"], ["pi2"], ["web1", "web2"]]


@pytest.mark.parametrize("failed, size, percentage, stop", [
    (0, 4, 0, False), (1, 4, 0, True), (1, 4, 25, False), (2, 4, 25, True), (4, 4, 100, False),
])
def test_max_fail_percentage_is_more_than(failed, size, percentage, stop):
    assert exceeds_max_fail(failed, size, percentage) is stop


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


def test_rollout_record_round_trips(tmp_path):
    record = records.RolloutRecord(str(tmp_path / "prod.yaml"), "deploy", "abc")
    record.hosts.update({"web1": "deployed", "web2": "failed"})
    records.save(record, tmp_path)
    loaded = records.load(tmp_path / "prod.yaml", tmp_path)
    assert loaded == record and loaded.done_hosts() == {"web1"}
