"""The rollout's own hooks on this machine: one set per rollout, the result as JSON on their standard input."""

import json
from types import MappingProxyType

import pytest

from fleetctl.domain import Hook
from fleetctl.inventory import Host, InventoryError
from fleetctl.inventory.schema import fleet_defaults
from fleetctl.rollout.hooks import rollout_hooks, run_rollout_hooks


def host(name: str, hooks: dict) -> Host:
    return Host(name, ("all",), MappingProxyType({**fleet_defaults(), "fleet_rollout_hooks": hooks}))


def test_a_rollout_has_one_set_of_hooks_and_two_hosts_that_disagree_are_an_error():
    hooks = {"after_rollout": ["notify"]}
    assert rollout_hooks([host("a", hooks), host("b", hooks)]) == (
        Hook("after_rollout", "notify", "localhost", "fleet_rollout_hooks"),)
    with pytest.raises(InventoryError, match="^hosts a and b: fleet_rollout_hooks differ; a rollout has one set"):
        rollout_hooks([host("a", hooks), host("b", {})])
    assert rollout_hooks([]) == ()


def test_each_hook_of_the_point_reads_the_document_on_stdin(tmp_path):
    hooks = (Hook("after_rollout", f"cat > {tmp_path}/one.json", None),
             Hook("after_rollout", ("sh", "-c", f'echo "$FLEET_ROLLOUT_POINT $FLEET_ROLLOUT_OUTCOME" > {tmp_path}/two'),
                  None),
             Hook("before_rollout", f"touch {tmp_path}/not-this-point", None))
    reported = []
    document = {"outcome": "failed", "hosts": [{"host": "web1", "result": "rolled back"}], "releases": ["r2"]}
    assert run_rollout_hooks(hooks, "after_rollout", document, reported.append) == []
    assert json.loads((tmp_path / "one.json").read_text()) == {"point": "after_rollout", **document}
    assert (tmp_path / "two").read_text() == "after_rollout failed\n"
    assert not (tmp_path / "not-this-point").exists()
    assert reported[0] == f"rollout hook after_rollout: cat > {tmp_path}/one.json"


def test_failures_are_one_line_each_and_a_gate_stops_at_the_first(tmp_path):
    hooks = (Hook("before_rollout", "echo change freeze until monday >&2; exit 1", None),
             Hook("before_rollout", f"touch {tmp_path}/second", None))
    failures = run_rollout_hooks(hooks, "before_rollout", {"outcome": "started"}, lambda what: None,
                                 stop_at_failure=True)
    assert failures == ["rollout hook before_rollout: echo change freeze until monday >&2; exit 1 failed: "
                        "change freeze until monday"]
    assert not (tmp_path / "second").exists()
    assert len(run_rollout_hooks(hooks[:1] * 2, "before_rollout", {"outcome": "started"}, lambda what: None)) == 2
