"""A host's fleet_* variables as typed settings: its app, its policy (and their conflicts), its rollout."""

from pathlib import Path

import pytest

from fleetctl.domain import Hook, Mode, Scheduling
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


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hosts.yaml"
    path.write_text(text)
    return path


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


def test_a_policy_conflict_is_one_line_naming_the_host_and_fails_only_that_host(tmp_path):
    # Settings are built when a host is used: the inventory loads, a host left out by --limit never fails.
    inventory = load_inventory(write(tmp_path, """
all:
  hosts:
    web1: {fleet_workers: 4}
    web2: {fleet_mode: single, fleet_workers: 4}
"""))
    assert inventory.host("web1").policy.workers == 4
    with pytest.raises(InventoryError) as caught:
        inventory.host("web2").policy
    assert str(caught.value) == ("host web2: fleet_workers: 4 conflicts with fleet_mode: single"
                                 " (a single process is one worker); remove one of them")


def test_mode_and_scheduling_are_typed_and_none_when_unset():
    forced = policy({"fleet_mode": "cluster", "fleet_scheduling": "none"})
    assert forced.mode is Mode.CLUSTER and forced.scheduling is Scheduling.NONE
    assert policy({"fleet_mode": "single"}).mode is Mode.SINGLE
    unset = policy({})
    assert (unset.mode, unset.workers, unset.scheduling, unset.kind, unset.decision_table) == (None,) * 5


def test_fleet_hooks_become_the_rollouts_hooks_in_order_from_fleet_hooks(tmp_path):
    inventory = load_inventory(write(tmp_path, """
all:
  vars:
    fleet_hooks:
      before_host: ["curl -fsS http://lb1/ready"]
      before_switch:
        - {command: [/usr/local/sbin/drain, web1], delegate_to: lb1}
        - echo switching
  hosts:
    web1:
"""))
    hooks = inventory.host("web1").rollout.hooks
    assert hooks == (
        Hook("before_host", "curl -fsS http://lb1/ready", None, source="fleet_hooks"),
        Hook("before_switch", ("/usr/local/sbin/drain", "web1"), "lb1", source="fleet_hooks"),
        Hook("before_switch", "echo switching", None, source="fleet_hooks"),
    )
    assert all(isinstance(hook, Hook) for hook in hooks)


def test_a_host_without_hooks_or_roles_has_none(tmp_path):
    rollout = load_inventory(write(tmp_path, "all:\n  hosts:\n    web1:\n")).host("web1").rollout
    assert (rollout.hooks, rollout.roles, rollout.serial) == ((), (), 1)


def test_the_app_runs_as_its_own_name_unless_a_user_is_given(tmp_path):
    inventory = load_inventory(write(tmp_path, """
all:
  vars:
    fleet_app_name: shop
    fleet_app_env: {ZED: "1", ALPHA: two}
  hosts:
    web1:
    web2: {fleet_app_user: www-shop}
"""))
    web1, web2 = inventory.host("web1").app, inventory.host("web2").app
    assert (web1.user, web1.group, web2.user) == ("shop", "shop", "www-shop")
    assert web1.env == (("ALPHA", "two"), ("ZED", "1"))  # sorted: the env file is the same whatever the YAML order
