"""What a deploy changes on a host, computed from its state: pure, no host."""

from dataclasses import replace

import pytest

from fleetctl.deploy.hoststate import HostState
from fleetctl.deploy.steps import (
    Command, DesiredState, WriteFile, host_changes, host_marker, mark_activated_command, sha256_text,
)
from fleetctl.domain import Activation, Mode, Scheduling
from fleetctl.inventory import AppSpec
from fleetctl.policy import Decision
from fleetctl.remote import script
from fleetctl.render import render_env_file, render_process, render_socket_unit, render_unit


APP = AppSpec(name="hello", user="hello", env=(("API_TOKEN", "s3cret-value"),))
CLUSTER = Decision(Mode.CLUSTER, 2, Scheduling.RR, "a server", "vm-or-server", 576)
SINGLE = Decision(Mode.SINGLE, 1, None, "a pi", "pi", 320)
RUNTIME = b"// runtime"
SHIM = b"// shim"


def desired(decision=CLUSTER, release="r2", archive=b"tar", app=APP):
    return DesiredState(app, decision, release, archive, render_unit(app, decision), render_socket_unit(app),
                        render_process(decision), render_env_file(app), RUNTIME, SHIM)


FRESH = HostState(None, None, (), None, None, None, False, "inactive", False)


def running(want: DesiredState, current="r1", releases=("r1",)) -> HostState:
    return HostState(current, None, releases, want.unit, sha256_text(want.env), sha256_text(RUNTIME), True,
                     "active", True, process=want.process, socket_unit=want.socket_unit,
                     socket_active="active" if want.socket_unit else "inactive",
                     socket_enabled=want.socket_unit is not None, shim_sha256=sha256_text(SHIM))


def summaries(changes):
    return [step.summary for step in changes.steps]


def test_first_deploy_sets_everything_up_and_restarts():
    changes = host_changes(desired(), FRESH)
    assert summaries(changes) == [
        "create system user hello", "create the app's folders", "create /opt/hello/shared, writable by hello",
        "install the cluster runtime", "install the socket shim", "upload release r2", "unpack release r2",
        "write /etc/fleet/hello.env", "write fleet-hello.socket", "write fleet-hello.service",
        "reload systemd's units", "write /etc/fleet/hello.process.json", "enable fleet-hello.service",
        "enable fleet-hello.socket", "switch current to r2", "restart fleet-hello.socket and fleet-hello.service",
    ]
    assert changes.release_action == "upload" and changes.activation == "restart"
    assert changes.unit_diff.startswith("--- /dev/null\n+++ /etc/systemd/system/fleet-hello.service (new)")
    assert "+++ /etc/systemd/system/fleet-hello.socket (new)\n" in changes.unit_diff
    assert "+ListenStream=3000\n" in changes.unit_diff


def test_new_release_on_a_clustered_host_with_the_same_unit_is_a_zero_downtime_reload():
    want = desired()
    changes = host_changes(want, running(want))
    assert summaries(changes) == ["upload release r2", "unpack release r2", "switch current to r2",
                                  "reload fleet-hello.service"]
    assert changes.activation == "reload" and changes.unit_diff == ""


def test_new_release_in_single_mode_restarts():
    want = desired(SINGLE)
    assert host_changes(want, running(want)).activation == "restart"


def test_a_changed_unit_reloads_systemd_and_restarts():
    want = desired()
    state = replace(running(want), unit=render_unit(APP, replace(CLUSTER, workers=4)))
    changes = host_changes(want, state)
    assert "reload systemd's units" in summaries(changes) and changes.activation == "restart"
    assert '-Environment="FLEET_WORKERS=4"' in changes.unit_diff
    assert '+Environment="FLEET_WORKERS=2"' in changes.unit_diff


def test_a_changed_environment_restarts_even_a_cluster():
    want = desired()
    state = replace(running(want), env_sha256="0" * 64)
    assert host_changes(want, state).activation == "restart"


def test_the_release_the_host_runs_changes_nothing():
    want = desired(release="r1")
    changes = host_changes(want, running(want))
    assert changes.unchanged and changes.release_action == "none" and changes.activation == "none"


def test_a_release_already_on_the_host_is_not_uploaded_again():
    want = desired()
    changes = host_changes(want, running(want, releases=("r2", "r1")))
    assert summaries(changes) == ["switch current to r2", "reload fleet-hello.service"]
    assert changes.release_action == "switch"


def test_a_stopped_service_is_restarted_even_without_changes():
    want = desired(release="r1")
    changes = host_changes(want, replace(running(want), active="failed"))
    assert summaries(changes) == ["restart fleet-hello.service"]


def test_switch_records_the_old_release_as_previous():
    want = desired()
    [switch] = host_changes(want, running(want, releases=("r2", "r1"))).switch
    assert switch.argv == ("/opt/hello", "r2", "r1")


def test_secrets_are_never_displayed():
    changes = host_changes(desired(), FRESH)
    shown = "\n".join(step.display() for step in changes.steps) + changes.unit_diff
    assert "s3cret-value" not in shown
    env_step = next(step for step in changes.steps if isinstance(step, WriteFile) and step.path == APP.env_file)
    assert env_step.secret and env_step.mode == 0o600 and b"s3cret-value" in env_step.content


def test_commands_are_argument_lists_quoted_when_shown():
    step = Command("rm", ("rm", "-rf", "--", "/opt/hello/releases/a b"))
    assert step.display() == "rm -rf -- '/opt/hello/releases/a b'"


def test_a_release_missing_on_the_host_without_an_archive_is_an_error():
    with pytest.raises(ValueError, match="not on the host"):
        host_changes(desired(archive=None), FRESH)


def test_a_missing_process_file_is_written_without_a_restart():
    want = desired(release="r1")
    changes = host_changes(want, replace(running(want), process=None))
    assert summaries(changes) == ["write /etc/fleet/hello.process.json"]
    assert changes.activation is Activation.NONE


# --- the activation record ---------------------------------------------------------
# A deploy cut off between `switch current` and the health gate is redone by
# the next deploy, not reported unchanged.


def installed(want: DesiredState, current: str, activated: str | None) -> HostState:
    state = replace(running(want, current, ("r2", "r1")), previous="r1")
    return replace(state, activated=activated)


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


def test_the_marker_names_the_runtime_only_for_a_clustered_unit():
    single = installed(desired(SINGLE), "r2", None)
    assert host_marker(single).split()[3] == "-"
    cluster = installed(desired(), "r2", None)
    assert host_marker(cluster).split()[3] == sha256_text(RUNTIME)
    assert mark_activated_command(APP, host_marker(cluster)).argv == ("/opt/hello", host_marker(cluster))


def test_the_marker_names_the_socket_unit_and_the_shim_when_the_app_loads_it():
    single = installed(desired(SINGLE), "r2", None)
    assert host_marker(single).split()[4:] == [sha256_text(single.socket_unit), sha256_text(SHIM)]
    bare = installed(desired(SINGLE, app=NO_SOCKET), "r2", None)
    assert host_marker(bare).split()[4:] == ["-", "-"]


def test_a_restart_clears_the_start_rate_limit_first():
    want = desired(SINGLE)
    changes = host_changes(want, installed(want, "r1", None))
    [restart] = changes.activate
    assert restart.summary == "restart fleet-hello.service" and restart.script == script("restart-unit.sh")
    assert restart.argv == ("fleet-hello.service",)
    code = "\n".join(line for line in restart.script.splitlines() if not line.startswith("#"))
    assert code.index("systemctl reset-failed") < code.index("systemctl restart")


# --- the socket unit -----------------------------------------------------------------
# It holds the port while the service restarts; it restarts itself only when it must.

NO_SOCKET = replace(APP, socket=False)


def test_a_new_release_on_a_single_process_restarts_the_service_and_keeps_the_socket():
    want = desired(SINGLE)
    changes = host_changes(want, running(want))
    [restart] = changes.activate
    assert restart.argv == ("fleet-hello.service",) and restart.summary == "restart fleet-hello.service"
    assert changes.unit_diff == ""


def test_a_changed_socket_unit_is_written_and_restarted_with_the_service():
    want = desired(SINGLE, release="r1")
    state = replace(running(want), socket_unit=render_socket_unit(replace(APP, port=3001)))
    changes = host_changes(want, state)
    assert summaries(changes) == ["write fleet-hello.socket", "reload systemd's units",
                                  "restart fleet-hello.socket and fleet-hello.service"]
    [restart] = changes.activate
    assert restart.argv == ("fleet-hello.service", "fleet-hello.socket")
    assert "-ListenStream=3001\n+ListenStream=3000\n" in changes.unit_diff


def test_a_host_deployed_before_its_socket_unit_gets_it_and_restarts_with_it():
    want = desired(release="r1")
    before = replace(running(desired(release="r1", app=NO_SOCKET)), shim_sha256=None)
    changes = host_changes(want, before)
    assert summaries(changes) == [
        "install the socket shim", "write fleet-hello.socket", "write fleet-hello.service", "reload systemd's units",
        "enable fleet-hello.socket", "restart fleet-hello.socket and fleet-hello.service"]
    assert "+Requires=fleet-hello.socket\n" in changes.unit_diff


def test_a_socket_unit_that_is_not_listening_restarts_with_the_service():
    want = desired(release="r1")
    changes = host_changes(want, replace(running(want), socket_active="failed"))
    assert summaries(changes) == ["restart fleet-hello.socket and fleet-hello.service"]


def test_a_socket_unit_written_but_never_started_restarts_with_the_service():
    want = desired(SINGLE)
    state = installed(want, "r2", None)
    state = replace(state, activated=host_marker(replace(state, socket_unit="[Socket]\nListenStream=3001\n")))
    assert summaries(host_changes(want, state)) == ["restart fleet-hello.socket and fleet-hello.service"]


def test_without_a_socket_the_unit_is_removed_after_the_service_stops_requiring_it():
    want = desired(SINGLE, release="r1", app=NO_SOCKET)
    changes = host_changes(want, running(desired(SINGLE, release="r1")))
    assert [step.display() for step in changes.steps] == [
        "write /etc/systemd/system/fleet-hello.service (mode 0644, "
        f"{len(want.unit.encode())} bytes of content)",
        "systemctl daemon-reload", "systemctl disable --now --quiet fleet-hello.socket",
        "rm -f -- /etc/systemd/system/fleet-hello.socket", "systemctl daemon-reload",
        "sh -s fleet-hello.service"]
    assert "ExecStart=/usr/bin/node /opt/hello/current/server.js\n" in want.unit
    assert "--- /etc/systemd/system/fleet-hello.socket (on host)\n+++ /dev/null\n" in changes.unit_diff


def test_the_shim_is_installed_where_it_is_loaded_and_a_new_one_restarts():
    want = desired(SINGLE, release="r1")
    changes = host_changes(want, replace(running(want), shim_sha256="0" * 64))
    assert summaries(changes) == ["install the socket shim", "restart fleet-hello.service"]
    bare = desired(SINGLE, release="r1", app=NO_SOCKET)
    assert host_changes(bare, replace(running(bare), shim_sha256=None)).unchanged
