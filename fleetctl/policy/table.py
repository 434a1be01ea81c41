"""The decision table: rows of (match on facts) -> (mode, scheduling, workers), as data.

Loading validates every row so a mistake is reported with the file, line and
row before any host is contacted.
"""

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fleetctl.domain import Mode, Scheduling
from fleetctl.policy.errors import PolicyError
from fleetctl.policy.versions import parse_range, parse_version, version_in_range
from fleetctl.yamlfile import LocatedMap, load_yaml

DEFAULT_TABLE_NAME = "default-table.yaml"
CHOICE_KEYS = ("kind", "arch")
RANGE_KEYS = ("cpus_effective", "cpus_online", "memory_effective_mb")
VERSION_KEYS = ("node_version",)
MATCH_KEYS = CHOICE_KEYS + RANGE_KEYS + VERSION_KEYS
BOUNDS = ("gt", "gte", "lt", "lte")
AUTO = "auto"


@dataclass(frozen=True)
class Condition:
    """One key of a row's match, tested against the fact of the same name."""

    key: str
    allowed: tuple = ()  # for choice keys
    bounds: tuple = ()  # (("gte", 2.0), ...) for range keys
    version_range: tuple = ()  # comparators for node_version

    def holds(self, value) -> bool:
        if value is None:
            return False
        if self.key in CHOICE_KEYS:
            return value in self.allowed
        if self.key in RANGE_KEYS:
            return all(_within(value, bound, limit) for bound, limit in self.bounds)
        try:
            version = parse_version(str(value))
        except ValueError:
            return False
        return version_in_range(version, self.version_range)


def _within(value, bound, limit) -> bool:
    return {"gt": value > limit, "gte": value >= limit, "lt": value < limit, "lte": value <= limit}[bound]


@dataclass(frozen=True)
class Row:
    index: int  # 1-based position in the table
    name: str
    conditions: tuple[Condition, ...]
    mode: Mode
    scheduling: Scheduling | None
    workers: int | str | None  # an int, AUTO, or None for single
    reason: str

    def matches(self, facts) -> bool:
        return all(condition.holds(getattr(facts, condition.key, None)) for condition in self.conditions)

    @property
    def label(self) -> str:
        return f"row {self.index} ({self.name})"


@dataclass(frozen=True)
class DecisionTable:
    source: str
    rows: tuple[Row, ...]

    def first_match(self, facts) -> Row | None:
        return next((row for row in self.rows if row.matches(facts)), None)


def load_table(path=None) -> DecisionTable:
    """The shipped table, or the file at ``path``; PolicyError names file:line and row."""
    if path is None:
        with resources.as_file(resources.files("fleetctl.policy") / DEFAULT_TABLE_NAME) as shipped:
            return _read_table(Path(shipped), str(shipped))
    return _read_table(Path(path), str(path))


def _read_table(path: Path, shown_as: str) -> DecisionTable:
    data = load_yaml(path, shown_as, PolicyError)
    if not isinstance(data, LocatedMap) or set(data) != {"rows"}:
        raise PolicyError(f"{shown_as}:1: a decision table is a mapping with one key, rows")
    rows = data["rows"]
    if not isinstance(rows, list) or not rows:
        raise PolicyError(f"{shown_as}:{data.line_of('rows')}: rows must be a non-empty list")
    parsed = tuple(_parse_row(shown_as, index, body, data.line_of("rows")) for index, body in enumerate(rows, 1))
    names = [row.name for row in parsed]
    for row in parsed:
        if names.count(row.name) > 1:
            raise PolicyError(f"{shown_as}: {row.label}: the name {row.name} is used by more than one row")
    return DecisionTable(shown_as, parsed)


@dataclass(frozen=True)
class _RowPlace:
    """Where a row is, so its errors can name file, line and row."""

    shown_as: str
    label: str
    body: LocatedMap

    def error(self, message: str, line: int | None = None) -> PolicyError:
        return PolicyError(f"{self.shown_as}:{line or self.body.line}: {self.label}: {message}")

    def error_at_key(self, message: str, key) -> PolicyError:
        return self.error(message, self.body.line_of(key))


def _line_in(mapping, key) -> int | None:
    return mapping.line_of(key) if isinstance(mapping, LocatedMap) else None


def _parse_row(shown_as, index, body, rows_line) -> Row:
    if not isinstance(body, LocatedMap):
        raise PolicyError(f"{shown_as}:{rows_line}: row {index}: must be a mapping with name, match, result, reason")
    name = body.get("name")
    label = f"row {index} ({name})" if isinstance(name, str) and name else f"row {index}"
    place = _RowPlace(shown_as, label, body)
    unknown = set(body) - {"name", "match", "result", "reason"}
    if unknown:
        key = sorted(unknown, key=str)[0]
        raise place.error_at_key(f"unknown key {key} (a row has name, match, result, reason)", key)
    if not isinstance(name, str) or not name:
        raise place.error_at_key("needs a name", "name")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise place.error_at_key("needs a reason, the sentence shown to explain the decision", "reason")
    conditions = _parse_match(body.get("match"), place)
    mode, scheduling, workers = _parse_result(body.get("result"), place)
    return Row(index, name, conditions, mode, scheduling, workers, reason.strip())


def _parse_match(match, place: _RowPlace) -> tuple[Condition, ...]:
    if match is None:
        return ()  # an empty match fits every host: a catch-all row
    if not isinstance(match, dict):
        raise place.error_at_key("match must be a mapping of fact: condition", "match")
    conditions = []
    for key, value in match.items():
        line = _line_in(match, key)
        if key not in MATCH_KEYS:
            raise place.error(f"unknown match key {key} (known: {', '.join(MATCH_KEYS)})", line)
        if key in CHOICE_KEYS:
            allowed = value if isinstance(value, list) else [value]
            if not allowed or not all(isinstance(item, str) and item for item in allowed):
                raise place.error(f"match {key} must be a name or a list of names", line)
            conditions.append(Condition(key, allowed=tuple(allowed)))
        elif key in RANGE_KEYS:
            conditions.append(Condition(key, bounds=_parse_bounds(key, value, place, line)))
        else:
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise place.error(f"match {key} must be a version range like '>=18 <22'", line)
            try:
                comparators = parse_range(str(value))
            except ValueError as exc:
                raise place.error(f"match {key}: {exc}", line) from None
            conditions.append(Condition(key, version_range=tuple(comparators)))
    return tuple(conditions)


def _parse_bounds(key, value, place: _RowPlace, line) -> tuple:
    if not isinstance(value, dict) or not value:
        raise place.error(f"match {key} must be a range like {{gte: 2, lt: 8}}", line)
    bounds = []
    for bound, limit in value.items():
        if bound not in BOUNDS:
            raise place.error(f"match {key}: unknown bound {bound} (use gt, gte, lt, lte)", line)
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not math.isfinite(limit):
            raise place.error(f"match {key}.{bound} must be a number, got {limit!r}", line)
        bounds.append((bound, limit))
    return tuple(bounds)


def _parse_result(result, place: _RowPlace):
    if not isinstance(result, dict):
        raise place.error_at_key("result must be a mapping with mode (and for cluster: scheduling, workers)", "result")

    def line_of(key):
        return _line_in(result, key) or _line_in(place.body, "result")

    unknown = set(result) - {"mode", "scheduling", "workers"}
    if unknown:
        key = sorted(unknown, key=str)[0]
        raise place.error(f"unknown result key {key} (use mode, scheduling, workers)", line_of(key))
    mode = result.get("mode")
    if mode not in tuple(Mode):
        raise place.error(f"result mode must be {' or '.join(Mode)}, got {mode!r}", line_of("mode"))
    mode = Mode(mode)
    if mode is Mode.SINGLE:
        if "scheduling" in result:
            raise place.error("a single result takes no scheduling", line_of("scheduling"))
        if result.get("workers", 1) != 1:
            raise place.error("a single result runs 1 worker; use mode cluster for more", line_of("workers"))
        return mode, None, None
    scheduling = result.get("scheduling", Scheduling.RR)
    if scheduling not in tuple(Scheduling):
        raise place.error(f"result scheduling must be {' or '.join(Scheduling)}, got {scheduling!r}",
                          line_of("scheduling"))
    workers = result.get("workers", AUTO)
    if workers != AUTO and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise place.error(f"result workers must be auto or an integer >= 1, got {workers!r}", line_of("workers"))
    return mode, Scheduling(scheduling), workers
