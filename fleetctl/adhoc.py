"""`fleetctl exec`: one ad-hoc command on many hosts, and how it ended on each.

The command is data first: a program and its arguments, each quoted on the way to the host so that it
arrives as typed (no shell sees it), or, asked for explicitly, one string for `sh -c`.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from fleetctl.domain import CommandResult
from fleetctl.errors import InputError
from fleetctl.fanout import fan_out
from fleetctl.inventory import Host
from fleetctl.transport import TransportError, connect, quote_command

DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class AdHocCommand:
    words: tuple[str, ...]  # the program and its arguments; with shell, the one string sh -c runs
    shell: bool = False
    become: bool = False  # through sudo -n, as root

    @staticmethod
    def of(words: Sequence[str], shell: bool = False, become: bool = False) -> "AdHocCommand":
        """The command from the command line, or an InputError saying what is missing."""
        if not words:
            raise InputError("no command: fleetctl exec INVENTORY -- COMMAND [ARGUMENT]...")
        if shell and len(words) != 1:
            raise InputError(f"--shell runs one string by sh -c; got {len(words)} arguments: quote the command"
                             " as one, or drop --shell to run a program with its arguments")
        return AdHocCommand(tuple(words), shell, become)

    @property
    def argv(self) -> list[str]:
        """What runs on the host (the transport quotes each word, and puts sudo -n before it for become)."""
        return ["sh", "-c", self.words[0]] if self.shell else list(self.words)

    def shown(self) -> str:
        """As a shell would take it: what the host runs, sudo included."""
        return quote_command((["sudo", "-n", "--"] if self.become else []) + self.argv)


@dataclass(frozen=True)
class HostRun:
    host: str
    result: CommandResult
    exit_code: int | None  # None: the command did not finish
    stdout: str
    stderr: str
    seconds: float
    error: str | None = None  # one line naming the host, when it did not finish or never started

    def to_dict(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 3)}


def run_on(host: Host, command: AdHocCommand, timeout: float = DEFAULT_TIMEOUT,
           trust_on_first_use: bool = False) -> HostRun:
    started = time.monotonic()
    try:
        transport = connect(host.connection, trust_on_first_use=trust_on_first_use)
    except TransportError as error:
        return HostRun(host.name, CommandResult.UNREACHABLE, None, "", "", time.monotonic() - started, str(error))
    try:
        done = transport.run(command.argv, timeout=timeout, become=command.become)
    except TransportError as error:
        return HostRun(host.name, CommandResult.FAILED, None, "", "", time.monotonic() - started, str(error))
    finally:
        transport.close()
    result = CommandResult.OK if done.ok else CommandResult.FAILED
    return HostRun(host.name, result, done.exit_code, done.stdout, done.stderr, time.monotonic() - started)


def run_everywhere(hosts: Sequence[Host], command: AdHocCommand, forks: int, timeout: float = DEFAULT_TIMEOUT,
                   trust_on_first_use: bool = False,
                   on_done: Callable[[HostRun], None] | None = None) -> list[HostRun]:
    """The command on every host, `forks` at once; a row per host in the hosts' order (on_done as each ends)."""
    return fan_out(hosts, lambda host: run_on(host, command, timeout, trust_on_first_use), forks,
                   failed=_unexpected, on_row=on_done)


def _unexpected(host: Host, error: Exception) -> HostRun:
    return HostRun(host.name, CommandResult.FAILED, None, "", "", 0.0,
                   f"{host.name}: unexpected {type(error).__name__}: {error}")


def outcome(run: HostRun) -> str:
    """How a host's run ended, in a word or two: `exit 0`, `exit 3`, `timed out`..., `unreachable`."""
    if run.result is CommandResult.UNREACHABLE:
        return str(CommandResult.UNREACHABLE)
    if run.exit_code is None:
        return "did not finish"
    return f"exit {run.exit_code}"


def summary(runs: Sequence[HostRun]) -> list[tuple[str, list[str]]]:
    """The hosts by how their run ended: exit 0 first, then the other exit codes in order, then the runs that did
    not finish, then the unreachable hosts; each with its hosts in their order."""
    groups: dict[str, list[str]] = {}
    for run in runs:
        groups.setdefault(outcome(run), []).append(run.host)

    def rank(word: str) -> tuple[int, int]:
        if word.startswith("exit "):
            return 0, int(word.split()[1])
        return (1, 0) if word == "did not finish" else (2, 0)
    return sorted(groups.items(), key=lambda item: rank(item[0]))
