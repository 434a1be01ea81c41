"""The bake's restart count, from status.sh's output (pure): systemd's NRestarts plus the cluster runtime's
worker restarts, once per slot."""

import pytest

from fleetctl.deploy.bake import parse_restarts
from fleetctl.facts import ProbeParseError

from ..test_status import ACTIVE, FAILED, SINGLE_PROCESS, runtime_state, status_output, worker


def test_a_single_process_counts_systemds_restarts():
    assert parse_restarts(status_output(process=SINGLE_PROCESS, runtime="")) == 0
    assert parse_restarts(status_output(show=FAILED, process=SINGLE_PROCESS, runtime="")) == 5


def test_a_cluster_adds_its_workers_restarts_once_per_slot():
    mid_reload = runtime_state(worker(0, 1, state="draining", restarts=2), worker(0, 3, restarts=2),
                               worker(1, 2, restarts=1))
    assert parse_restarts(status_output(show=ACTIVE.replace("NRestarts=0", "NRestarts=1"), runtime=mid_reload)) == 4


def test_an_unreadable_state_file_counts_systemds_restarts_only():
    assert parse_restarts(status_output(show=FAILED, runtime="{not json\n")) == 5


def test_output_that_is_not_the_status_scripts_is_an_error():
    with pytest.raises(ProbeParseError):
        parse_restarts("bash: sh: not found\n")
