"""A role on disk -> Role: its defaults, its templates and where they go, its hooks.

A role is a folder, no Python: ``defaults.yaml`` (variables at the lowest
precedence), ``templates/`` (jinja2 files) with ``templates.yaml`` saying where
each is written, with owner, group and mode, and ``hooks.yaml`` (commands at
named points of a rollout). Everything is checked when the role is loaded,
templates compiled included, so a broken role fails before any host is
contacted, with the file and line.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fleetctl.domain import Command
from fleetctl.inventory import RoleError
from fleetctl.inventory.hooks import HookSpecError, read_hooks
from fleetctl.inventory.roledefaults import DEFAULTS_FILE, role_defaults
from fleetctl.templating import environment
from fleetctl.yamlfile import LocatedMap, load_yaml

if TYPE_CHECKING:
    import jinja2

ROLE_FILES = (DEFAULTS_FILE, "templates.yaml", "hooks.yaml")
_OWNER = re.compile(r"[a-z_][a-z0-9_-]{0,31}|[0-9]+")
_MODE = re.compile(r"0?[0-7]{3,4}")


@dataclass(frozen=True)
class RoleTemplate:
    src: str  # under the role's templates/
    dest: str  # a template itself: rendered with the host's variables
    owner: str
    group: str
    mode: int
    on_change: Command | None  # run once after any of the role's files changed (a handler)
    secret: bool = False  # its content may hold secrets: plan shows no diff of it


@dataclass(frozen=True)
class RoleHook:
    point: str
    command: Command  # every word a template
    delegate_to: str | None  # a template; None: the host being rolled out (or the role's host, with during)
    # A host pattern (a template, rendered with the role host's variables): the hook runs at this
    # point of the rollout of each host the pattern matches, on the role's host, instead of at
    # the role host's own rollout. This is how a load balancer's role drains its backends.
    during: str | None
    undoes: str | None = None  # a cleanup: the earlier point whose hooks it takes back, run whatever happens


@dataclass(frozen=True)
class Role:
    name: str
    path: Path
    defaults: dict
    templates: tuple[RoleTemplate, ...]
    hooks: tuple[RoleHook, ...]

    def template(self, src: str) -> "jinja2.Template":
        return _loader_environment(self.path).get_template(src)


@functools.lru_cache(maxsize=None)
def load_role(path: Path) -> Role:
    """Read and check one role folder; raises RoleError naming the file and line."""
    path = Path(path)
    unknown = sorted(item.name for item in path.iterdir()
                     if item.suffix in (".yaml", ".yml") and item.name not in ROLE_FILES)
    if unknown:
        raise RoleError(f"unknown file in role {path.name} (a role has {', '.join(ROLE_FILES)})",
                        str(path / unknown[0]))
    return Role(
        name=path.name,
        path=path,
        defaults=role_defaults(path),
        templates=_templates(path),
        hooks=_hooks(path),
    )


def _read(path: Path, name: str):
    file = path / name
    if not file.is_file():
        return None, str(file)
    return load_yaml(file, str(file), RoleError), str(file)


def _templates(path: Path) -> tuple[RoleTemplate, ...]:
    import jinja2  # see fleetctl.roles.templating

    data, shown = _read(path, "templates.yaml")
    if data is None:
        if (path / "templates").is_dir():
            raise RoleError(f"role {path.name} has templates/ but no templates.yaml saying where they go", shown)
        return ()
    if not isinstance(data, list):
        raise RoleError("templates.yaml must be a list of {src, dest, owner, group, mode, on_change, secret}",
                        shown, 1)
    templates = []
    for index, entry in enumerate(data):
        line = entry.line if isinstance(entry, LocatedMap) else None
        where = f"templates.yaml entry {index + 1}"
        if not isinstance(entry, LocatedMap):
            raise RoleError(f"{where} must be a mapping with src and dest", shown, line)
        extra = set(entry) - {"src", "dest", "owner", "group", "mode", "on_change", "secret"}
        if extra:
            key = sorted(extra)[0]
            raise RoleError(f"{where}: unknown key {key} (known: src, dest, owner, group, mode, on_change, secret)",
                            shown, entry.line_of(key))
        if not isinstance(entry.get("secret", False), bool):
            raise RoleError(f"{where}: secret must be true or false", shown, entry.line_of("secret"))
        for key in ("src", "dest"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise RoleError(f"{where}: {key} must be a non-empty string", shown, entry.line_of(key))
        if not (path / "templates" / entry["src"]).is_file() or ".." in Path(entry["src"]).parts:
            raise RoleError(f"{where}: no file templates/{entry['src']} in role {path.name}",
                            shown, entry.line_of("src"))
        owner, group = entry.get("owner", "root"), entry.get("group", entry.get("owner", "root"))
        for key, value in (("owner", owner), ("group", group)):
            if not isinstance(value, str) or not _OWNER.fullmatch(value):
                raise RoleError(f"{where}: {key} must be a user or group name, got {value!r}",
                                shown, entry.line_of(key))
        mode = entry.get("mode", "0644")
        if not isinstance(mode, str) or not _MODE.fullmatch(mode):
            raise RoleError(f"{where}: mode must be a quoted octal string like '0644', got {mode!r}",
                            shown, entry.line_of("mode"))
        on_change = _command(entry["on_change"], f"{where}: on_change", shown, entry.line_of("on_change")) \
            if entry.get("on_change") is not None else None
        _compile(path, entry["dest"], shown, entry.line_of("dest"))
        try:
            _loader_environment(path).get_template(entry["src"])
        except jinja2.TemplateSyntaxError as error:
            raise RoleError(f"template error: {error.message}", str(path / "templates" / entry["src"]),
                            error.lineno) from None
        templates.append(RoleTemplate(entry["src"], entry["dest"], owner, group, int(mode, 8), on_change,
                                      entry.get("secret", False)))
    return tuple(templates)


def _hooks(path: Path) -> tuple[RoleHook, ...]:
    data, shown = _read(path, "hooks.yaml")
    if data is None:
        return ()
    try:
        specs = read_hooks(data, "", allow_during=True)
    except HookSpecError as error:
        raise RoleError(str(error), shown, _line_of(data, error)) from None
    # read_hooks keeps the file's order: each spec is the next entry of its point.
    places = [(entries, index) for entries in data.values() for index in range(len(entries))]
    hooks = []
    for spec, (entries, index) in zip(specs, places):
        entry = entries[index] if isinstance(entries[index], LocatedMap) else None
        line = entry.line_of("command") if entry else data.line_of(spec.point)
        for word in (spec.command,) if isinstance(spec.command, str) else spec.command:
            _compile(path, word, shown, line)
        for key in ("delegate_to", "during"):
            if getattr(spec, key) is not None:
                _compile(path, getattr(spec, key), shown, entry.line_of(key) if entry else line)
        hooks.append(RoleHook(spec.point, spec.command, spec.delegate_to, spec.during, spec.undoes))
    return tuple(hooks)


def _line_of(data, error: HookSpecError) -> int:
    """The line of the key, entry or point a hook error is about."""
    if not isinstance(data, LocatedMap):
        return 1
    if error.point is None:
        return data.line
    line = data.line_of(error.point)
    entries = data.get(error.point)
    if error.index is not None and isinstance(entries, list) and isinstance(entries[error.index], LocatedMap):
        entry = entries[error.index]
        line = entry.line_of(error.key) if error.key is not None else entry.line
    return line


def _command(value, where: str, shown: str, line: int) -> Command:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value and all(isinstance(word, (str, int)) for word in value):
        return tuple(str(word) for word in value)
    raise RoleError(f"{where} must be a shell command string or a list of arguments", shown, line)


def _compile(path: Path, text: str, shown: str, line: int) -> None:
    import jinja2  # see fleetctl.roles.templating

    try:
        _loader_environment(path).from_string(text)
    except jinja2.TemplateSyntaxError as error:
        raise RoleError(f"template error in {text!r}: {error.message}", shown, line) from None


@functools.lru_cache(maxsize=None)
def _loader_environment(path: Path) -> "jinja2.Environment":
    import jinja2  # see fleetctl.roles.templating

    return environment(jinja2.FileSystemLoader(str(Path(path) / "templates")))
