"""One lock per rollout, over the local connection: every host's lock taken before any host is changed, a
second rollout refused with nothing kept, leases renewed, a lock taken over noticed, and `unlock`."""

import contextlib
import dataclasses
import os
import threading
import time
from pathlib import Path
from types import MappingProxyType

import pytest

from fleetctl.deploy import lock
from fleetctl.inventory import Host
from fleetctl.inventory.schema import fleet_defaults
from fleetctl.rollout import lock as rollout_lock_module
from fleetctl.rollout.lock import LOCK_ROOT_WITHOUT_APP, RolloutLock, lock_root, unlock_hosts
from fleetctl.transport import LocalTransport


def host(name: str, app: str | None = None) -> Host:
    return Host(name, ("all",), MappingProxyType({**fleet_defaults(), "fleet_app_name": app}))


def test_an_app_host_locks_its_apps_folder_so_two_apps_lock_apart():
    assert lock_root(host("web1", "shop")) == "/opt/shop"
    assert lock_root(host("web1", "api")) == "/opt/api"


def test_a_host_without_an_app_locks_fleetctls_own_folder():
    assert lock_root(host("lb1")) == LOCK_ROOT_WITHOUT_APP == "/var/lib/fleetctl"


@pytest.fixture
def hosts(tmp_path):
    names = ["a", "b", "c"]
    return [host(name) for name in names], (lambda each: str(tmp_path / each.name))


def rollout_lock(hosts, root_of, owner=None, **options) -> RolloutLock:
    return RolloutLock(hosts, LocalTransport, owner or lock.this_process(), root_of=root_of, **options)


def other_owner() -> lock.LockOwner:
    return dataclasses.replace(lock.this_process(), pid=os.getppid(), control_host="elsewhere")


def test_a_rollout_takes_every_hosts_lock_and_gives_them_back(hosts):
    hosts, root_of = hosts
    first = rollout_lock(hosts, root_of)
    assert first.acquire() == []
    assert all(Path(root_of(each), ".deploy.lock", "owner").read_text().strip() == first.owner.to_json()
               for each in hosts)
    first.release()
    assert not any(Path(root_of(each)).exists() for each in hosts)


def test_a_second_rollout_is_refused_naming_the_owner_and_keeps_nothing(hosts):
    hosts, root_of = hosts
    first = rollout_lock(hosts[1:2], root_of, owner=other_owner())
    assert first.acquire() == []
    second = rollout_lock(hosts, root_of)
    refusals = second.acquire()
    assert [refusal.host for refusal in refusals] == ["b"]
    assert f"is locked by {first.owner.user}@elsewhere (pid {first.owner.pid}, started " in refusals[0].why
    # What the second took on a and c is given back; b is still the first's.
    assert not Path(root_of(hosts[0]), ".deploy.lock").exists()
    assert not Path(root_of(hosts[2]), ".deploy.lock").exists()
    assert Path(root_of(hosts[1]), ".deploy.lock", "owner").read_text().strip() == first.owner.to_json()
    first.release()


def test_a_lock_whose_lease_ran_out_is_broken_and_taken(hosts):
    hosts, root_of = hosts
    gone = rollout_lock(hosts, root_of, owner=dataclasses.replace(other_owner(), lease_s=5))
    assert gone.acquire() == []
    gone._stop.set()  # it stops renewing: its owner died
    for each in hosts:
        old = time.time() - 60
        os.utime(Path(root_of(each), ".deploy.lock", "owner"), (old, old))
    taker = rollout_lock(hosts, root_of)
    assert taker.acquire() == []
    assert Path(root_of(hosts[0]), ".deploy.lock", "owner").read_text().strip() == taker.owner.to_json()
    taker.release()


def test_renewing_touches_the_lease_and_a_lock_taken_over_is_noticed(hosts):
    hosts, root_of = hosts
    held = rollout_lock(hosts, root_of)
    assert held.acquire() == []
    owner_file = Path(root_of(hosts[0]), ".deploy.lock", "owner")
    os.utime(owner_file, (time.time() - 30, time.time() - 30))
    held.renew()
    assert time.time() - owner_file.stat().st_mtime < 5
    intruder = other_owner()
    owner_file.write_text(intruder.to_json() + "\n")
    held.renew()
    assert list(held.lost) == ["a"] and f"(pid {intruder.pid}, started " in held.lost["a"]
    held.release()
    assert owner_file.read_text().strip() == intruder.to_json()  # not ours: left alone


def test_unlock_removes_a_gone_owners_lock_and_a_live_one_only_with_force(hosts):
    hosts, root_of = hosts
    gone, live = dataclasses.replace(other_owner(), lease_s=5), other_owner()
    with LocalTransport() as transport:
        lock.acquire(transport, root_of(hosts[0]), gone)
        lock.acquire(transport, root_of(hosts[1]), live)
    old = time.time() - 60
    os.utime(Path(root_of(hosts[0]), ".deploy.lock", "owner"), (old, old))
    rows = {row.host: row for row in unlock_hosts(hosts, LocalTransport, force=False, root_of=root_of)}
    assert rows["a"].ok and rows["a"].detail.startswith("removed the lock") and "lease ran out" in rows["a"].holder
    assert not rows["b"].ok and "locked by a live rollout" in rows["b"].detail
    assert rows["c"].ok and rows["c"].holder is None and rows["c"].detail.startswith("no lock")
    assert Path(root_of(hosts[1]), ".deploy.lock").is_dir()
    forced = {row.host: row for row in unlock_hosts(hosts, LocalTransport, force=True, root_of=root_of)}
    assert forced["b"].ok and not Path(root_of(hosts[1]), ".deploy.lock").exists()


def test_a_renewal_round_reaches_at_most_renew_at_once_hosts_at_a_time(tmp_path, monkeypatch):
    # Renewing is background work beside the rollout's own forks: a round of every host at once (forks = hosts)
    # ran hundreds of threads together at 500 hosts (bench/scale).
    monkeypatch.setattr(rollout_lock_module, "RENEW_AT_ONCE", 2)
    many = [host(f"h{index}") for index in range(6)]
    busy, most = [0], [0]
    guard = threading.Lock()

    @contextlib.contextmanager
    def connect(name):
        with guard:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        try:
            time.sleep(0.05)
            with LocalTransport(name) as transport:
                yield transport
        finally:
            with guard:
                busy[0] -= 1

    held = RolloutLock(many, connect, lock.this_process(), forks=6, root_of=lambda each: str(tmp_path / each.name))
    assert held.acquire() == []
    most[0] = 0
    held.renew()
    assert most[0] == 2 and held.lost == {}
    held.release()
