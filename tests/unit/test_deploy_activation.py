"""The activation record: a deploy cut off between `switch current` and the health gate is redone
by the next deploy, not reported unchanged. Pure: host states in, steps out."""

from dataclasses import replace

from fleetctl.deploy.hoststate import HostState, parse_host_state
from fleetctl.deploy.steps import (
    DesiredState, host_changes, host_marker, mark_activated_command, sha256_text,
)
from fleetctl.domain import Mode, Scheduling
from fleetctl.inventory import AppSpec
from fleetctl.policy import Decision
from fleetctl.remote import script
from fleetctl.render import render_env_file, render_process, render_unit

APP = AppSpec(name="hello", user="hello")
CLUSTER = Decision(Mode.CLUSTER, 2, Scheduling.RR, "a server", "vm-or-server", 576)
SINGLE = Decision(Mode.SINGLE, 1, None, "a pi", "pi", 320)
RUNTIME = b"// runtime"


def desired(decision=CLUSTER, release="r2"):
    return DesiredState(APP, decision, release, b"tar", render_unit(APP, decision),
                        render_process(decision), render_env_file(APP), RUNTIME)


def installed(want: DesiredState, current: str, activated: str | None) -> HostState:
    state = HostState(current, "r1", ("r2", "r1"), want.unit, sha256_text(want.env), sha256_text(RUNTIME), True,
                      "active", True, process=want.process)
    return replace(state, activated=activated)


def summaries(changes):
    return [step.summary for step in changes.steps]


def test_a_host_whose_record_matches_its_files_is_unchanged():
    want = desired()
    state = installed(want, "r2", None)
    state = replace(state, activated=host_marker(state))
    assert host_changes(want, state).unchanged


def test_switched_but_never_activated_reloads_a_cluster_and_restarts_a_single_process():
    want = desired()
    switched = installed(want, "r2", None)
    switched = replace(switched, activated=host_marker(replace(switched, current="r1")))
    changes = host_changes(want, switched)
    assert summaries(changes) == ["reload fleet-hello.service"] and changes.activation == "reload"
    single = desired(SINGLE)
    switched = installed(single, "r2", None)
    switched = replace(switched, activated=host_marker(replace(switched, current="r1")))
    assert host_changes(single, switched).activation == "restart"


def test_an_env_file_written_but_never_started_restarts():
    want = desired()
    state = installed(want, "r2", None)
    state = replace(state, activated=host_marker(replace(state, env_sha256="0" * 64)))
    assert host_changes(want, state).activation == "restart"


def test_an_installed_host_without_a_record_is_activated_once():
    want = desired()
    assert host_changes(want, installed(want, "r2", "")).activation == "reload"


def test_a_state_read_without_the_record_changes_nothing():
    want = desired()
    assert host_changes(want, installed(want, "r2", None)).unchanged


def test_the_record_is_read_from_its_section():
    raw = ("==> hoststate <==\nfleetctl-hoststate 1\n==> current <==\nreleases/abc\n==> activated <==\n"
           "abc e u -\n==> active <==\nactive\n==> end <==\n")
    assert parse_host_state(raw).activated == "abc e u -"
    missing = raw.replace("abc e u -\n", "none\n")
    assert parse_host_state(missing).activated == ""


def test_the_marker_names_the_runtime_only_for_a_clustered_unit():
    single = installed(desired(SINGLE), "r2", None)
    assert host_marker(single).endswith(" -")
    cluster = installed(desired(), "r2", None)
    assert host_marker(cluster).endswith(sha256_text(RUNTIME))
    assert mark_activated_command(APP, host_marker(cluster)).argv == ("/opt/hello", host_marker(cluster))


def test_a_restart_clears_the_start_rate_limit_first():
    want = desired(SINGLE)
    changes = host_changes(want, installed(want, "r1", None))
    [restart] = changes.activate
    assert restart.summary == "restart fleet-hello.service" and restart.script == script("restart-unit.sh")
    assert restart.argv == ("fleet-hello.service",)
    commands = [line.split()[:2] for line in restart.script.splitlines() if line.startswith("systemctl ")]
    assert commands == [["systemctl", "reset-failed"], ["systemctl", "restart"]]
