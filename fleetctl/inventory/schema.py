"""Every fleetctl variable: its type, default and meaning.

fleetctl's settings live in the inventory like any Ansible variable, so a
group of Pis can differ from a group of servers. Any ``fleet_*`` name not
declared here is an error (a typo would otherwise be silently ignored).
Other variables pass through untouched (connection variables are checked when
their host is contacted).
"""

import difflib
from dataclasses import dataclass

from fleetctl.domain import Mode, Scheduling
from fleetctl.facts.model import KINDS
from fleetctl.inventory.hooks import Hooks, RolloutHooks
from fleetctl.inventory.rolepaths import Roles
from fleetctl.inventory.values import (
    Boolean, Choice, Environment, Integer, LocalPath, Number, RemotePaths, Serial, Text, VariableValueError,
    describe_value,
)

FLEET_PREFIX = "fleet_"


@dataclass(frozen=True)
class Variable:
    name: str
    type: object
    default: object
    doc: str
    default_doc: str | None = None  # when the default is derived, say how

    def check(self, value, base_dir):
        return self.type.check(self.name, value, base_dir)


_APP_NAME = r"[a-z][a-z0-9-]{0,31}"
_APP_NAME_RULE = "lowercase letters, digits and '-', starting with a letter, at most 32 characters"
_USER_NAME = r"(?!root$)[a-z_][a-z0-9_-]{0,31}"
_ENTRY = r"(?!/)(?!.*(^|/)\.\.(/|$))[A-Za-z0-9._/@+-]+"
_SLICE = r"(-|[A-Za-z0-9:_]+(-[A-Za-z0-9:_]+)*)\.slice"

FLEET_VARIABLES: tuple[Variable, ...] = (
    # How fleetctl reaches and labels the host.
    Variable(
        "fleet_kind", Choice(KINDS), None,
        "What the host is; overrides the kind detected from facts.", default_doc="detected",
    ),
    Variable(
        "fleet_known_hosts_file", LocalPath(), None,
        "known_hosts file used to verify host keys.", default_doc="~/.ssh/known_hosts",
    ),
    Variable(
        "fleet_trust_on_first_use", Boolean(), False,
        "Accept and record an unknown host key on first contact instead of refusing.",
    ),
    # The app.
    Variable(
        "fleet_app_name", Text(_APP_NAME, _APP_NAME_RULE), None,
        "The app's name: unit fleet-<name>.service, /opt/<name>, /etc/fleet/<name>.env.",
        default_doc="required to deploy",
    ),
    Variable(
        "fleet_app_src", LocalPath(), None,
        "Folder on the control machine holding the app (package.json, entry file).",
        default_doc="required to deploy",
    ),
    Variable(
        "fleet_app_entry", Text(_ENTRY, "a relative path inside the app without '..' or spaces"), "server.js",
        "Entry file, relative to the app folder.",
    ),
    Variable("fleet_app_port", Integer(1, 65535), 3000, "Port the app listens on (passed as PORT)."),
    Variable(
        "fleet_app_socket", Boolean(), True,
        "systemd holds fleet_app_port in the socket unit fleet-<name>.socket and the app's listen(PORT) takes it,"
        " so connections wait instead of being refused while the app restarts; false: the app binds the port"
        " itself.",
    ),
    Variable(
        "fleet_app_health_path", Text(r"/[^\s]*", "an HTTP path starting with '/'"), "/healthz",
        "HTTP path that answers 2xx when the app is healthy.",
    ),
    Variable(
        "fleet_app_env", Environment(), {},
        "Extra environment for the app, written to /etc/fleet/<name>.env (mode 0600); may hold secrets."
        " PORT, FLEET_WORKERS and NODE_CLUSTER_SCHED_POLICY come from their fleet_* variables.",
    ),
    Variable(
        "fleet_app_user", Text(_USER_NAME, "a Unix user name other than root"), None,
        "Unprivileged user (and group) the app runs as.", default_doc="the app name",
    ),
    Variable(
        "fleet_app_slice", Text(_SLICE, "a systemd slice name such as system.slice or fleet-web.slice"),
        "system.slice",
        "The systemd slice the app's service runs in (Slice= in its unit); the probe reads the CPU quota and memory"
        " limit that bind the app from this slice's cgroup.",
    ),
    Variable(
        "fleet_stop_timeout", Number(2), 30,
        "Seconds systemd gives the app to stop (TimeoutStopSec); the cluster runtime kills a worker that will not"
        " stop, and the socket shim stops waiting for a single process's open connections, 5 s before that (at"
        " most half of it), so systemd never has to.",
    ),
    Variable(
        "fleet_reload_timeout", Number(2), 300,
        "Seconds systemd gives a reload (TimeoutStartSec, which bounds ExecReload); the runtime's reload command"
        " gives up, and says so, 5 s before that (at most half of it), so systemd never kills it.",
    ),
    Variable(
        "fleet_app_writable_paths", RemotePaths(), [],
        "Extra absolute paths the app may write besides /opt/<name>/shared; they must exist on the host.",
    ),
    # Building the release (read by the build).
    Variable(
        "fleet_build_host", Text(), None,
        "The host that builds native addons for this host's platform (an inventory host name, with npm, make, a C++"
        " compiler, python3 and Node's headers).",
        default_doc="the control machine when its platform matches, else the first host of the platform in the rollout",
    ),
    # The decision table and its overrides.
    Variable(
        "fleet_decision_table", LocalPath(), None,
        "Decision table file replacing the one shipped with fleetctl.", default_doc="shipped table",
    ),
    Variable(
        "fleet_mode", Choice(tuple(Mode)), None,
        "Force the process mode instead of the table's.", default_doc="from table",
    ),
    Variable(
        "fleet_workers", Integer(1), None,
        "Force the worker count (2 or more means cluster).", default_doc="from table",
    ),
    Variable(
        "fleet_scheduling", Choice(tuple(Scheduling)), None,
        "Force the cluster scheduling policy (NODE_CLUSTER_SCHED_POLICY).", default_doc="from table",
    ),
    Variable(
        "fleet_reserve_cpus", Integer(0), 0,
        "CPUs kept free for the system when workers are sized automatically.",
    ),
    Variable(
        "fleet_worker_memory_mb", Integer(16), 256,
        "Memory budget per worker, in MiB, for sizing workers and MemoryMax.",
    ),
    Variable(
        "fleet_reserve_memory_mb", Integer(0), 256,
        "Memory kept free for the system, in MiB, when sizing workers.",
    ),
    # The rollout (read by deploy).
    Variable(
        "fleet_serial", Serial(), 1,
        "Hosts per rollout batch, as Ansible's serial: a count, a percentage, or a list for growing batches.",
    ),
    Variable(
        "fleet_max_fail_percentage", Number(0), 0,
        "Stop the rollout when more than this percentage of a batch fails (0: any failure stops it).",
    ),
    Variable(
        "fleet_health_timeout", Number(0, exclusive_minimum=True), 30,
        "Seconds to wait for the health check to pass after a restart.",
    ),
    Variable("fleet_health_retries", Integer(0), 5, "Health check retries before a host counts as failed."),
    Variable(
        "fleet_bake_seconds", Number(0), 0,
        "After each batch, seconds during which its deployed hosts must keep passing the health check with flat"
        " restart counts (systemd's and the cluster runtime's); a host that does not counts as failed and is"
        " rolled back (0: no bake).",
    ),
    Variable("fleet_batch_pause", Number(0), 0, "Seconds to wait between one batch (and its bake) and the next."),
    Variable(
        "fleet_hooks", Hooks(), {},
        "Commands run at before_host, before_switch, after_switch and after_host of each host's rollout;"
        " each on the host, or on delegate_to (another inventory host, or localhost for the control machine);"
        " undoes: POINT makes one a cleanup of that earlier point, run whatever happens.",
    ),
    Variable(
        "fleet_rollout_hooks", RolloutHooks(), {},
        "Commands run on the control machine at before_rollout (once every host is locked, before any is changed;"
        " a failure refuses the rollout), on_rollout_failure and after_rollout, the rollout's result as JSON on"
        " their standard input; the same for every host of a rollout (set it for all).",
    ),
    Variable(
        "fleet_roles", Roles(), [],
        "Roles applied to the host, in order: their defaults, templates and hooks (see Roles below).",
    ),
    Variable(
        "fleet_keep_releases", Integer(1), 5,
        "Releases kept in /opt/<name>/releases; older ones are deleted.",
    ),
)

FLEET_VARIABLES_BY_NAME = {variable.name: variable for variable in FLEET_VARIABLES}


def check_variable(name, value, base_dir, names_only: bool = False):
    """Validate and normalise one fleet_* variable; raise VariableValueError naming it.

    Other variables pass through untouched (connection variables are checked
    when their host is contacted: fleetctl.inventory.connection_vars).
    names_only: only say whether a fleet_* name exists (the value is a template, checked once rendered).
    """
    if not isinstance(name, str):
        raise VariableValueError(f"variable names must be strings, got {describe_value(name)}")
    if not name.startswith(FLEET_PREFIX):
        return value
    variable = FLEET_VARIABLES_BY_NAME.get(name)
    if variable is None:
        raise VariableValueError(_unknown_message(name))
    if names_only or (value is None and variable.default is None):
        return value  # null unsets a variable a parent group set (a load balancer group has no app)
    return variable.check(value, base_dir)


def _unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name, FLEET_VARIABLES_BY_NAME, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown fleetctl variable {name}{hint}"


def fleet_defaults() -> dict:
    """Every fleet_* variable at its default (None where unset has a meaning of its own)."""
    return {variable.name: _copy(variable.default) for variable in FLEET_VARIABLES}


def _copy(value):
    return dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value

