"""Batches: Ansible's serial and max_fail_percentage."""

import pytest

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
