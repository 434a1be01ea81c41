"""Hooks as people write them, in an inventory's fleet_hooks and in a role's hooks.yaml: one validator for both.

``{before_host: [{command: "...", delegate_to: lb1}], after_host: ["..."]}``:
each point holds a list of hooks; a hook is a command (a shell string, or an
argument list) or a mapping with command, delegate_to and undoes (an earlier
point whose hooks it takes back: a cleanup, run whatever happens), and, in a
role, during.
"""

from dataclasses import dataclass

from fleetctl.domain import HOOK_POINTS, ROLLOUT_HOOK_POINTS, Command
from fleetctl.inventory.values import VariableValueError, describe_value


class HookSpecError(VariableValueError):
    """A malformed hook; point, index and key say where, so a role can name the line."""

    def __init__(self, message: str, point=None, index: int | None = None, key: str | None = None):
        super().__init__(message)
        self.point, self.index, self.key = point, index, key


@dataclass(frozen=True)
class HookSpec:
    point: str
    command: Command
    delegate_to: str | None
    during: str | None = None  # roles only: the hosts whose rollouts the hook joins
    undoes: str | None = None  # a cleanup: the earlier point whose hooks it takes back

    def to_variable(self) -> dict:
        """As the fleet_hooks variable holds it (what templates see)."""
        command = list(self.command) if isinstance(self.command, tuple) else self.command
        return {"command": command, "delegate_to": self.delegate_to, "undoes": self.undoes}


def read_hooks(value, where: str, allow_during: bool = False) -> tuple[HookSpec, ...]:
    """Every hook of a point -> hooks mapping, in order; HookSpecError names the first wrong one.

    where: how messages name the mapping ("fleet_hooks"), or "" when the file says it (hooks.yaml).
    """
    points = ", ".join(HOOK_POINTS)
    if not isinstance(value, dict):
        raise HookSpecError(f"{where or 'hooks'} must be a mapping of {points} to lists of hooks")
    hooks = []
    for point, entries in value.items():
        if point not in HOOK_POINTS:
            raise HookSpecError(_at(where, f"unknown hook point {point!r} (known: {points})"), point)
        at_point = f"{where}.{point}" if where else str(point)
        if not isinstance(entries, list):
            raise HookSpecError(f"{at_point} must be a list of hooks", point)
        for index, entry in enumerate(entries):
            hooks.append(_hook(point, index, entry, f"{at_point}[{index}]", allow_during))
    return tuple(hooks)


def _hook(point: str, index: int, entry, where: str, allow_during: bool) -> HookSpec:
    keys = ("command", "delegate_to", "undoes", "during") if allow_during else ("command", "delegate_to", "undoes")
    if isinstance(entry, (str, list)):  # a bare command: a shell string or an argument list
        entry = {"command": entry}
    if not isinstance(entry, dict) or "command" not in entry:
        raise HookSpecError(f"{where} must be a command (a string or a list) or a mapping with command",
                            point, index)
    extra = sorted(set(entry) - set(keys), key=str)
    if extra:
        raise HookSpecError(f"{where}: unknown key {extra[0]} (known: {', '.join(keys)})", point, index, extra[0])
    command = entry["command"]
    if isinstance(command, str) and command.strip():
        pass
    elif isinstance(command, list) and command and all(isinstance(word, (str, int)) for word in command):
        command = tuple(str(word) for word in command)
    else:
        raise HookSpecError(f"{where}: command must be a shell command string or a list of arguments",
                            point, index, "command")
    for key in ("delegate_to", "during"):
        given = entry.get(key)
        if given is not None and not (isinstance(given, str) and given.strip()):
            raise HookSpecError(f"{where}: {key} must be a non-empty string, got {describe_value(given)}",
                                point, index, key)
    undoes = entry.get("undoes")
    earlier = HOOK_POINTS[:HOOK_POINTS.index(point)]
    if undoes is not None and undoes not in earlier:
        known = ", ".join(earlier) or "none: nothing runs before it"
        raise HookSpecError(f"{where}: undoes must name an earlier point of the host's rollout ({known}),"
                            f" got {describe_value(undoes)}", point, index, "undoes")
    return HookSpec(point, command, entry.get("delegate_to"), entry.get("during"), undoes)


def _at(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


@dataclass(frozen=True)
class Hooks:
    """The fleet_hooks variable's type, normalised to ``{point: [{"command": str | list, "delegate_to": str | None}]}``."""

    label: str = "mapping of point: list of hooks"

    def check(self, name, value, base_dir):
        normalised: dict[str, list] = {point: [] for point in value} if isinstance(value, dict) else {}
        for hook in read_hooks(value, name):
            normalised[hook.point].append(hook.to_variable())
        return normalised


@dataclass(frozen=True)
class RolloutHooks:
    """The fleet_rollout_hooks variable's type: ``{point: [command, ...]}``, each command a shell string or an
    argument list, run on the control machine; normalised to lists of commands."""

    label: str = "mapping of point: list of commands"

    def check(self, name, value, base_dir):
        points = ", ".join(ROLLOUT_HOOK_POINTS)
        if not isinstance(value, dict):
            raise VariableValueError(f"{name} must be a mapping of {points} to lists of commands")
        normalised = {}
        for point, commands in value.items():
            if point not in ROLLOUT_HOOK_POINTS:
                raise VariableValueError(f"{name}: unknown point {point!r} (known: {points})")
            if not isinstance(commands, list):
                raise VariableValueError(f"{name}.{point} must be a list of commands")
            normalised[point] = []
            for index, command in enumerate(commands):
                if isinstance(command, str) and command.strip():
                    normalised[point].append(command)
                elif (isinstance(command, list) and command
                      and all(isinstance(word, (str, int)) for word in command)):
                    normalised[point].append([str(word) for word in command])
                else:
                    raise VariableValueError(f"{name}.{point}[{index}] must be a shell command string or a list"
                                             f" of arguments, got {describe_value(command)}")
        return normalised
