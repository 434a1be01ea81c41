"""Render the files a host needs from the app and the decision: pure text in, text out.

The systemd unit comes from templates/fleet-app.service.j2 (one template for
both modes), its socket unit from templates/fleet-app.socket.j2; the
environment file is rendered here because its quoting rules are systemd's, not
a template's concern.
"""

import functools
import re
from typing import TYPE_CHECKING

from fleetctl.domain import Mode, RunningProcess, Scheduling
from fleetctl.inventory import AppSpec
from fleetctl.inventory.app import DEFAULT_SLICE
from fleetctl.policy import Decision
from fleetctl.resources import templates_dir
from fleetctl.runtime import INSTALLED_RUNTIME_PATH, INSTALLED_SHIM_PATH
from fleetctl.templating import environment

if TYPE_CHECKING:
    import jinja2

UNIT_TEMPLATE = "fleet-app.service.j2"
SOCKET_TEMPLATE = "fleet-app.socket.j2"
NODE_PATH = "/usr/bin/node"
# How systemd asks the cluster runtime for a zero-downtime rolling reload.
# The arguments after the runtime file, in one place so they can change with it.
RELOAD_ARGUMENTS = ("--reload",)

START_LIMIT_INTERVAL_SEC = 60
START_LIMIT_BURST = 5
RESTART_SEC = 2
# How much sooner than systemd the cluster runtime gives up (runtime_allowance_ms).
RUNTIME_MARGIN_S = 5

# Characters systemd takes literally in an unquoted word.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./@+=:,-]+")


def render_unit(app: AppSpec, decision: Decision, runtime_path: str = INSTALLED_RUNTIME_PATH,
                node_path: str = NODE_PATH, shim_path: str = INSTALLED_SHIM_PATH) -> str:
    """The systemd unit (fleet-<app>.service) running ``app`` as ``decision`` says."""
    clustered = decision.mode is Mode.CLUSTER
    if clustered and decision.scheduling is None:
        raise ValueError(f"a cluster decision needs scheduling {' or '.join(Scheduling)}, got {decision.scheduling!r}")
    if clustered:
        exec_start = [node_path, runtime_path, app.entry_path]  # the runtime requires the shim itself
    elif app.socket:
        exec_start = [node_path, "--require", shim_path, app.entry_path]
    else:
        exec_start = [node_path, app.entry_path]
    context = {
        "app": app,
        "decision": decision,
        "clustered": clustered,
        "mode_summary": _mode_summary(decision),
        "base_environment": [("PORT", str(app.port)), ("NODE_ENV", "production")],
        "cluster_environment": [
            ("FLEET_WORKERS", str(decision.workers)),
            ("NODE_CLUSTER_SCHED_POLICY", str(decision.scheduling)),
        ],
        # Each derived from one setting, so systemd and the runtime (or the shim draining a single
        # process) agree (runtime_allowance_ms).
        "timeout_environment": [
            ("FLEET_STOP_TIMEOUT_MS", str(runtime_allowance_ms(app.stop_timeout))),
            *([("FLEET_RELOAD_TIMEOUT_MS", str(runtime_allowance_ms(app.reload_timeout)))] if clustered else []),
        ] if clustered or app.socket else [],
        "exec_start": exec_start,
        "socket_unit": app.socket_unit_name if app.socket else None,
        "exec_reload": [node_path, runtime_path, *RELOAD_ARGUMENTS],
        "writable_paths": [app.shared, *app.writable_paths],
        "start_limit_interval_sec": START_LIMIT_INTERVAL_SEC,
        "start_limit_burst": START_LIMIT_BURST,
        "restart_sec": RESTART_SEC,
        "default_slice": DEFAULT_SLICE,
        "timeout_stop_sec": f"{app.stop_timeout:g}",
        "timeout_start_sec": f"{app.reload_timeout:g}",
    }
    return _template_environment().get_template(UNIT_TEMPLATE).render(context)


def runtime_allowance_ms(systemd_seconds: float) -> int:
    """What the cluster runtime allows itself of a time systemd allows: RUNTIME_MARGIN_S less, and at most half.

    A worker that will not stop is killed by the runtime (FLEET_STOP_TIMEOUT_MS) before systemd's
    TimeoutStopSec kills the whole service; the reload command gives up and says so
    (FLEET_RELOAD_TIMEOUT_MS) before systemd's TimeoutStartSec, which bounds ExecReload, kills it.
    """
    return int(max(systemd_seconds / 2, systemd_seconds - RUNTIME_MARGIN_S) * 1000)


def render_socket_unit(app: AppSpec) -> str | None:
    """The socket unit (fleet-<app>.socket) holding the app's port, or None when fleet_app_socket is false."""
    if not app.socket:
        return None
    return _template_environment().get_template(SOCKET_TEMPLATE).render({"app": app})


def render_env_file(app: AppSpec) -> str:
    """/etc/fleet/<app>.env: the app's fleet_app_env, one NAME="value" a line.

    Double quotes keep spaces, '#' and newlines literal; inside them systemd
    treats backslash, double quote, backtick and dollar as escapable.
    """
    lines = ["# Managed by fleetctl from fleet_app_env; edits are overwritten by the next deploy."]
    for name, value in app.env:
        lines.append(f'{name}="{_escape_env_value(value)}"')
    return "\n".join(lines) + "\n"


def render_process(decision: Decision) -> str:
    """The process file written beside the unit: how the app is started, as data for later commands."""
    return RunningProcess(decision.mode, decision.workers, decision.scheduling).to_json()


@functools.cache
def _template_environment() -> "jinja2.Environment":
    import jinja2  # only when a unit is rendered (see fleetctl.templating)

    return environment(jinja2.FileSystemLoader(str(templates_dir())), lstrip_blocks=True, filters={
        "command_line": command_line, "environment_assignments": environment_assignments, "one_line": _one_line,
    })


def quote_word(word: str) -> str:
    """One word of an Exec*= or path-list line, quoted when systemd needs it."""
    escaped = word.replace("%", "%%").replace("$", "$$")  # specifiers and variable expansion
    if _PLAIN_WORD.fullmatch(word):
        return escaped
    escaped = escaped.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def command_line(words) -> str:
    return " ".join(quote_word(word) for word in words)


def environment_assignments(pairs) -> str:
    """Environment= value: each NAME=value double-quoted (systemd expands % specifiers, so %%)."""
    quoted = []
    for name, value in pairs:
        assignment = f"{name}={value}".replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
        quoted.append(f'"{assignment}"')
    return " ".join(quoted)


def _escape_env_value(value: str) -> str:
    return re.sub(r'([\\"`$])', r"\\\1", value)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _mode_summary(decision: Decision) -> str:
    if decision.mode is Mode.SINGLE:
        return "single process"
    return f"cluster, {decision.workers} workers, scheduling {decision.scheduling}"
