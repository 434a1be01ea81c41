"""The types a variable's value is checked against: integers with ranges, choices, paths, an app's environment...

Each type checks a raw YAML value and returns it normalised, or raises
VariableValueError naming the variable. ``base_dir`` is the inventory's
folder, for local paths. The schema (fleetctl.inventory.schema) says which
variable has which type.
"""

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

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


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The env file overrides the unit's Environment=, so these must not come from it:
# the health check and the decision would no longer match what runs.
_ENV_SET_BY_FLEETCTL = {
    "PORT": "fleet_app_port",
    "FLEET_WORKERS": "fleet_workers",
    "NODE_CLUSTER_SCHED_POLICY": "fleet_scheduling",
    "FLEET_STOP_TIMEOUT_MS": "fleet_stop_timeout",
    "FLEET_RELOAD_TIMEOUT_MS": "fleet_reload_timeout",
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
