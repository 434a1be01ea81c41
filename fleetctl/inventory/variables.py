"""Every fleetctl variable: its type, default and meaning.

fleetctl's settings live in the inventory like any Ansible variable, so a
group of Pis can differ from a group of servers. Any ``fleet_*`` name not
declared here is an error (a typo would otherwise be silently ignored).
``ansible_*`` connection variables are type-checked too; all other variables
pass through untouched.
"""

import difflib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from fleetctl.resources import roles_dir

FLEET_PREFIX = "fleet_"


class VariableValueError(ValueError):
    """A value of the wrong type or out of range; the message names the variable."""


def describe_value(value) -> str:
    """How a bad value is shown in an error, in YAML terms."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


# --- value types -----------------------------------------------------------
# Each type checks a raw YAML value and returns it normalised, or raises
# VariableValueError. ``base_dir`` is the inventory's folder, for local paths.


@dataclass(frozen=True)
class Integer:
    minimum: int | None = None
    maximum: int | None = None

    @property
    def label(self) -> str:
        return _ranged("integer", self.minimum, self.maximum)

    def check(self, name, value, base_dir):
        if isinstance(value, bool) or not isinstance(value, int):
            raise VariableValueError(f"{name} must be an integer, got {describe_value(value)}")
        _check_range(name, value, self.minimum, self.maximum)
        return value


@dataclass(frozen=True)
class Number:
    minimum: float | None = None
    exclusive_minimum: bool = False

    @property
    def label(self) -> str:
        if self.minimum is None:
            return "number"
        return f"number {'>' if self.exclusive_minimum else '>='} {self.minimum:g}"

    def check(self, name, value, base_dir):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise VariableValueError(f"{name} must be a number, got {describe_value(value)}")
        if self.minimum is not None:
            too_small = value <= self.minimum if self.exclusive_minimum else value < self.minimum
            if too_small:
                bound = ">" if self.exclusive_minimum else ">="
                raise VariableValueError(f"{name} must be {bound} {self.minimum:g}, got {value}")
        return value


@dataclass(frozen=True)
class Boolean:
    label: str = "boolean"

    def check(self, name, value, base_dir):
        if not isinstance(value, bool):
            raise VariableValueError(f"{name} must be true or false, got {describe_value(value)}")
        return value


@dataclass(frozen=True)
class Choice:
    choices: tuple

    @property
    def label(self) -> str:
        return " \\| ".join(self.choices)

    def check(self, name, value, base_dir):
        if value not in self.choices:
            allowed = ", ".join(self.choices)
            raise VariableValueError(f"{name} must be one of {allowed}, got {describe_value(value)}")
        return value


@dataclass(frozen=True)
class Text:
    """A string, optionally constrained by a regular expression."""

    pattern: str | None = None
    explanation: str = ""

    @property
    def label(self) -> str:
        return "string"

    def check(self, name, value, base_dir):
        if not isinstance(value, str):
            raise VariableValueError(f"{name} must be a string, got {describe_value(value)}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise VariableValueError(f"{name} must be {self.explanation}, got {value!r}")
        return value


@dataclass(frozen=True)
class LocalPath:
    """A file on the control machine; relative means relative to the inventory's folder."""

    label: str = "path"

    def check(self, name, value, base_dir):
        if not isinstance(value, str) or not value:
            raise VariableValueError(f"{name} must be a path, got {describe_value(value)}")
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = Path(base_dir) / path
        return os.path.normpath(path)


@dataclass(frozen=True)
class RemotePaths:
    """Absolute paths on the managed host (never resolved locally)."""

    label: str = "list of absolute paths"

    def check(self, name, value, base_dir):
        if not isinstance(value, list):
            raise VariableValueError(f"{name} must be a list of absolute paths, got {describe_value(value)}")
        for item in value:
            if not isinstance(item, str) or not _SAFE_REMOTE_PATH.fullmatch(item):
                raise VariableValueError(
                    f"{name} entries must be absolute paths without spaces or '..', got {describe_value(item)}"
                )
        return list(value)


@dataclass(frozen=True)
class Environment:
    """Environment variables for the app: NAME -> scalar, rendered as strings."""

    label: str = "mapping of NAME: value"

    def check(self, name, value, base_dir):
        if not isinstance(value, dict):
            raise VariableValueError(f"{name} must be a mapping of environment variables, got {describe_value(value)}")
        normalised = {}
        for key, item in value.items():
            if not isinstance(key, str) or not _ENV_NAME.fullmatch(key):
                raise VariableValueError(f"{name} keys must be environment variable names, got {describe_value(key)}")
            if key in _ENV_SET_BY_FLEETCTL:
                raise VariableValueError(
                    f"{name}.{key} is set by fleetctl; use {_ENV_SET_BY_FLEETCTL[key]} instead"
                )
            if isinstance(item, bool):
                normalised[key] = "true" if item else "false"
            elif isinstance(item, (str, int, float)):
                normalised[key] = str(item)
            else:
                raise VariableValueError(f"{name}.{key} must be a string or number, got {describe_value(item)}")
        return normalised


@dataclass(frozen=True)
class Serial:
    """Ansible's ``serial``: a host count, a percentage, or a list of those for growing batches."""

    label: str = "integer, \"N%\" or list of those"

    def check(self, name, value, base_dir):
        items = value if isinstance(value, list) else [value]
        if not items:
            raise VariableValueError(f"{name} must not be an empty list")
        for item in items:
            if isinstance(item, bool):
                raise VariableValueError(
                    f"{name} must be an integer or a percentage like '25%', got {describe_value(item)}"
                )
            if isinstance(item, int) and item >= 1:
                continue
            if isinstance(item, str) and _PERCENT.fullmatch(item) and 0 < float(item[:-1]) <= 100:
                continue
            raise VariableValueError(
                f"{name} must be an integer >= 1 or a percentage like '25%', got {describe_value(item)}"
            )
        return list(value) if isinstance(value, list) else value


HOOK_POINTS = ("before_host", "before_switch", "after_switch", "after_host")


@dataclass(frozen=True)
class Hooks:
    """Commands at named points of a host's rollout, on the host or on a delegate (Ansible's delegate_to).

    ``{before_host: [{command: "...", delegate_to: lb1}], after_host: ["..."]}``; a bare
    string is a shell command run on the host being deployed. Normalised to
    ``{point: [{"command": str | list, "delegate_to": str | None}]}``.
    """

    label: str = "mapping of point: list of hooks"

    def check(self, name, value, base_dir):
        if not isinstance(value, dict):
            raise VariableValueError(f"{name} must be a mapping of {', '.join(HOOK_POINTS)} to lists of hooks")
        normalised = {}
        for point, hooks in value.items():
            if point not in HOOK_POINTS:
                raise VariableValueError(f"{name}: unknown hook point {point!r} (known: {', '.join(HOOK_POINTS)})")
            if not isinstance(hooks, list):
                raise VariableValueError(f"{name}.{point} must be a list of hooks")
            normalised[point] = [self._hook(f"{name}.{point}[{index}]", hook) for index, hook in enumerate(hooks)]
        return normalised

    @staticmethod
    def _hook(where, hook):
        if isinstance(hook, str):
            hook = {"command": hook}
        if not isinstance(hook, dict) or set(hook) - {"command", "delegate_to"} or "command" not in hook:
            raise VariableValueError(f"{where} must be a command string or a mapping with command and delegate_to")
        command = hook["command"]
        if not (isinstance(command, str) and command.strip()) and not (
            isinstance(command, list) and command and all(isinstance(word, (str, int)) for word in command)
        ):
            raise VariableValueError(f"{where}.command must be a shell command string or a list of arguments")
        delegate = hook.get("delegate_to")
        if delegate is not None and not isinstance(delegate, str):
            raise VariableValueError(f"{where}.delegate_to must be a host name or localhost")
        return {"command": [str(word) for word in command] if isinstance(command, list) else command,
                "delegate_to": delegate}


@dataclass(frozen=True)
class Roles:
    """Role names (or paths), resolved to their folders: the inventory's roles/ first, then fleetctl's own."""

    label: str = "list of role names"

    def check(self, name, value, base_dir):
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise VariableValueError(f"{name} must be a list of role names, got {describe_value(value)}")
        if len(set(value)) != len(value):
            raise VariableValueError(f"{name} lists a role twice")
        return [str(find_role(item, base_dir)) for item in value]


def find_role(role: str, base_dir) -> Path:
    """A role's folder: a path (with '/'), else roles/<role> beside the inventory, else a built-in role."""
    if "/" in role:
        candidates = [Path(base_dir) / Path(role).expanduser()]
    else:
        candidates = [Path(base_dir) / "roles" / role, roles_dir() / role]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    looked = ", ".join(str(path) for path in candidates)
    raise VariableValueError(f"fleet_roles: no role {role!r} (looked in {looked})")


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The env file overrides the unit's Environment=, so these must not come from it:
# the health check and the decision would no longer match what runs.
_ENV_SET_BY_FLEETCTL = {
    "PORT": "fleet_app_port",
    "FLEET_WORKERS": "fleet_workers",
    "NODE_CLUSTER_SCHED_POLICY": "fleet_scheduling",
}
_PERCENT = re.compile(r"\d+(\.\d+)?%")
_SAFE_REMOTE_PATH = re.compile(r"/(?!.*(^|/)\.\.(/|$))[A-Za-z0-9._/@+-]*")


def _ranged(kind: str, minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} {minimum}..{maximum}"
    if minimum is not None:
        return f"{kind} >= {minimum}"
    return kind


def _check_range(name, value, minimum, maximum):
    if minimum is not None and value < minimum:
        raise VariableValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise VariableValueError(f"{name} must be <= {maximum}, got {value}")


# --- the schema ------------------------------------------------------------


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

FLEET_VARIABLES: tuple[Variable, ...] = (
    # How fleetctl reaches and labels the host.
    Variable(
        "fleet_kind", Choice(("pi", "container", "vm", "server")), None,
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
        "fleet_app_writable_paths", RemotePaths(), [],
        "Extra absolute paths the app may write besides /opt/<name>/shared; they must exist on the host.",
    ),
    # The decision table and its overrides.
    Variable(
        "fleet_decision_table", LocalPath(), None,
        "Decision table file replacing the one shipped with fleetctl.", default_doc="shipped table",
    ),
    Variable(
        "fleet_mode", Choice(("single", "cluster")), None,
        "Force the process mode instead of the table's.", default_doc="from table",
    ),
    Variable(
        "fleet_workers", Integer(1), None,
        "Force the worker count (2 or more means cluster).", default_doc="from table",
    ),
    Variable(
        "fleet_scheduling", Choice(("rr", "none")), None,
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
        "fleet_hooks", Hooks(), {},
        "Commands run at before_host, before_switch, after_switch and after_host of each host's rollout;"
        " each on the host, or on delegate_to (another inventory host, or localhost for the control machine).",
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


@dataclass(frozen=True)
class AnsibleBoolean:
    """Ansible's loose booleans (yes/no/true/false/1/0), as existing inventories use them."""

    label: str = "boolean"

    def check(self, name, value, base_dir):
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower() if isinstance(value, (str, int)) else None
        if lowered in ("yes", "true", "on", "1", "y"):
            return True
        if lowered in ("no", "false", "off", "0", "n"):
            return False
        raise VariableValueError(f"{name} must be a boolean, got {describe_value(value)}")


@dataclass(frozen=True)
class Port:
    """ansible_port: an integer, or a digit string as INI-converted inventories hold."""

    label: str = "integer 1..65535"

    def check(self, name, value, base_dir):
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        return Integer(1, 65535).check(name, value, base_dir)


# ssh, smart and paramiko all reach the host over SSH; fleetctl uses its own SSH client.
CONNECTION_ALIASES = {
    "ssh": "ssh", "smart": "ssh", "paramiko": "ssh", "paramiko_ssh": "ssh",
    "ansible.builtin.ssh": "ssh", "ansible.builtin.paramiko_ssh": "ssh",
    "local": "local", "ansible.builtin.local": "local",
}


@dataclass(frozen=True)
class ConnectionType:
    label: str = "ssh \\| local"

    def check(self, name, value, base_dir):
        if value not in CONNECTION_ALIASES:
            raise VariableValueError(f"{name} must be ssh or local, got {describe_value(value)}")
        return CONNECTION_ALIASES[value]


# The Ansible connection variables fleetctl reads; checked so a typo'd type
# fails at load time rather than at connect time. Legacy ansible_ssh_* spellings included.
ANSIBLE_VARIABLE_TYPES = {
    "ansible_host": Text(), "ansible_ssh_host": Text(),
    "ansible_port": Port(), "ansible_ssh_port": Port(),
    "ansible_user": Text(), "ansible_ssh_user": Text(),
    "ansible_ssh_private_key_file": LocalPath(), "ansible_private_key_file": LocalPath(),
    "ansible_connection": ConnectionType(),
    "ansible_become": AnsibleBoolean(),
    "ansible_ssh_common_args": Text(),
}


def check_variable(name, value, base_dir):
    """Validate and normalise one variable; raise VariableValueError naming it."""
    if not isinstance(name, str):
        raise VariableValueError(f"variable names must be strings, got {describe_value(name)}")
    if name.startswith(FLEET_PREFIX):
        variable = FLEET_VARIABLES_BY_NAME.get(name)
        if variable is None:
            raise VariableValueError(_unknown_message(name))
        if value is None and variable.default is None:
            return None  # null unsets a variable a parent group set (a load balancer group has no app)
        return variable.check(value, base_dir)
    checker = ANSIBLE_VARIABLE_TYPES.get(name)
    if checker is None:
        return value  # user variables and other ansible_* pass through untouched
    return checker.check(name, value, base_dir)


def _unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name, FLEET_VARIABLES_BY_NAME, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown fleetctl variable {name}{hint}"


def fleet_defaults() -> dict:
    """Every fleet_* variable at its default (None where unset has a meaning of its own)."""
    return {variable.name: _copy(variable.default) for variable in FLEET_VARIABLES}


def _copy(value):
    return dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value


def variables_markdown() -> str:
    """The variables table for the README, generated so docs and schema never drift."""
    lines = [
        "| Variable | Type | Default | Meaning |",
        "| --- | --- | --- | --- |",
    ]
    for variable in FLEET_VARIABLES:
        default = variable.default_doc or _default_text(variable.default)
        lines.append(f"| `{variable.name}` | {variable.type.label} | {default} | {variable.doc} |")
    return "\n".join(lines) + "\n"


def _default_text(value) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if value == {}:
        return "`{}`"
    if value == []:
        return "`[]`"
    return f"`{value}`"
