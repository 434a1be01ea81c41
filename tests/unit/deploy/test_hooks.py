"""A host's hooks through its rollout (HostHooks) on the local connection: each point in order, and the
cleanups (hooks that undo an earlier point) that are due whatever happened."""

from pathlib import Path

import pytest

from fleetctl.deploy.hooks import HookFailed, HostHooks
from fleetctl.domain import Hook
from fleetctl.transport import LocalTransport


def hooks_of(log: Path, *hooks: Hook) -> HostHooks:
    by_point: dict[str, list[Hook]] = {}
    for hook in hooks:
        by_point.setdefault(hook.point, []).append(hook)
    return HostHooks(lambda point: tuple(by_point.get(point, ())), "here", {"FLEET_HOST": "here"},
                     LocalTransport("here"), LocalTransport, lambda what: None)


def logs(log: Path, point: str, word: str, undoes: str | None = None) -> Hook:
    return Hook(point, f"echo {word} >> {log}", None, undoes=undoes)


def test_a_cleanup_runs_at_its_own_point_when_all_goes_well_and_only_once(tmp_path):
    log = tmp_path / "log"
    hooks = hooks_of(log, logs(log, "before_switch", "drain"),
                     logs(log, "after_host", "undrain", undoes="before_switch"))
    for point in ("before_host", "before_switch", "after_switch", "after_host"):
        hooks.run(point)
    assert hooks.cleanups() == []
    assert log.read_text().split() == ["drain", "undrain"]


def test_after_a_failure_the_cleanups_of_the_points_reached_run_and_no_others(tmp_path):
    log = tmp_path / "log"
    hooks = hooks_of(log, logs(log, "before_switch", "drain"),
                     Hook("after_switch", f"echo check >> {log}; exit 3", None),
                     logs(log, "after_host", "not-a-cleanup"),
                     logs(log, "after_host", "undrain", undoes="before_switch"),
                     logs(log, "after_host", "undo-after-switch", undoes="after_switch"))
    hooks.run("before_host")
    hooks.run("before_switch")
    with pytest.raises(HookFailed):
        hooks.run("after_switch")
    assert hooks.cleanups() == []
    assert log.read_text().split() == ["drain", "check", "undrain", "undo-after-switch"]
    assert hooks.cleanups() == []  # each runs once
    assert log.read_text().split() == ["drain", "check", "undrain", "undo-after-switch"]


def test_a_point_never_reached_is_not_undone(tmp_path):
    log = tmp_path / "log"
    hooks = hooks_of(log, Hook("before_host", "exit 1", None), logs(log, "before_switch", "drain"),
                     logs(log, "after_host", "undrain", undoes="before_switch"))
    with pytest.raises(HookFailed):
        hooks.run("before_host")
    assert hooks.cleanups() == [] and not log.exists()


def test_a_failing_cleanup_is_reported_and_the_others_still_run(tmp_path):
    log = tmp_path / "log"
    hooks = hooks_of(log, Hook("after_switch", "echo no such balancer >&2; exit 1", None, undoes="before_host"),
                     logs(log, "after_host", "undo", undoes="before_host"))
    hooks.run("before_host")
    assert hooks.cleanups() == ["hook after_switch on here: echo no such balancer >&2; exit 1 (fleet_hooks; undoes"
                                " before_host, runs whatever happens) failed: no such balancer"]
    assert log.read_text().split() == ["undo"]
