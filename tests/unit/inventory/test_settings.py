"""A host's fleet_* variables as typed settings: its app, its policy (and their conflicts), its rollout."""

import pytest

from fleetctl.inventory import InventoryError, PolicySettings, load_inventory
from fleetctl.inventory.schema import check_variable, fleet_defaults
from fleetctl.inventory.settings import policy_settings
from fleetctl.inventory.values import VariableValueError

from ..fixture_files import INVENTORY_FIXTURES as FIXTURES

NESTED = FIXTURES / "nested" / "fleet.yaml"
PLAIN = FIXTURES / "ansible_plain" / "hosts.yml"


def policy(host_vars: dict) -> PolicySettings:
    """A host's policy settings as the inventory builds them from its variables (each checked, defaults filled)."""
    checked = {name: check_variable(name, value, ".") for name, value in host_vars.items()}
    return policy_settings("h", {**fleet_defaults(), **checked})


def test_a_host_without_an_app_name_has_no_app():
    assert load_inventory(PLAIN).host("db1.example.com").app is None


def test_policy_and_rollout_settings_are_typed():
    h1 = load_inventory(NESTED).host("s1")
    assert (h1.policy.mode, h1.policy.workers, h1.policy.reserve_cpus, h1.policy.kind) == (None, 4, 1, "server")
    assert h1.rollout.keep_releases == 5 and h1.rollout.health_retries == 5


@pytest.mark.parametrize(
    ("host_vars", "message"),
    [
        ({"fleet_mode": "single", "fleet_workers": 4},
         "fleet_workers: 4 conflicts with fleet_mode: single (a single process is one worker); remove one of them"),
        ({"fleet_mode": "single", "fleet_scheduling": "rr"},
         "fleet_scheduling: rr conflicts with fleet_mode: single (scheduling is for cluster); remove one of them"),
        ({"fleet_workers": 1, "fleet_scheduling": "none"},
         "fleet_scheduling: none conflicts with fleet_workers: 1, which means single;"
         " set fleet_mode: cluster for a one-worker cluster"),
        ({"fleet_workers": "many"}, "fleet_workers must be an integer, got 'many'"),
        ({"fleet_workers": 0}, "fleet_workers must be >= 1, got 0"),
        ({"fleet_mode": "multi"}, "fleet_mode must be one of single, cluster, got 'multi'"),
        ({"fleet_scheduling": "round-robin"}, "fleet_scheduling must be one of rr, none, got 'round-robin'"),
        ({"fleet_worker_memory_mb": 0}, "fleet_worker_memory_mb must be >= 16, got 0"),
    ],
)
def test_invalid_overrides_name_the_variable(host_vars, message):
    with pytest.raises((VariableValueError, InventoryError)) as caught:
        policy(host_vars)
    assert str(caught.value).removeprefix("host h: ") == message


def test_conflicting_overrides_name_the_host():
    policy({"fleet_workers": 3, "fleet_scheduling": "none"})
    with pytest.raises(InventoryError, match="^host h: fleet_workers: 2 conflicts with fleet_mode: single"):
        policy({"fleet_mode": "single", "fleet_workers": 2})
