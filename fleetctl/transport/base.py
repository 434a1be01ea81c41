"""The one interface through which fleetctl touches a host.

run() and put() are built here on a single primitive, _execute(command line,
stdin bytes, timeout), so every implementation quotes, wraps in sudo and
uploads files the same way: what runs over SSH is byte for byte what runs
through the local connection.
"""

import shlex
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from fleetctl.remote import one_line

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class TransportError(Exception):
    """A host could not be reached or used; str() is one line naming the host."""


class ConnectTimeout(TransportError):
    """The host did not answer in time while connecting (TCP or the SSH banner): it may only be busy."""


def quote_command(argv: list[str]) -> str:
    """One shell command line in which every argument is quoted."""
    if not argv:
        raise ValueError("empty command")
    return " ".join(shlex.quote(str(arg)) for arg in argv)


class Transport(ABC):
    """Runs commands and writes files on one host."""

    def __init__(self, name: str, become: bool) -> None:
        self.name = name
        self.become = become

    @abstractmethod
    def _execute(self, command: str, stdin: bytes | None, timeout: float) -> Result:
        """Run one shell command line with stdin; raise TransportError on failure to run it."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection; safe to call twice."""

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _command_line(self, argv: list[str], become: bool | None = None) -> str:
        if self.become if become is None else become:
            argv = ["sudo", "-n", "--", *argv]
        return quote_command(argv)

    def run(self, argv: list[str] | None = None, script: str | None = None, timeout: float = DEFAULT_TIMEOUT,
            become: bool | None = None) -> Result:
        """Run argv, or a sh script sent on stdin to `sh -s` (argv then become its $1, $2...).

        become overrides the host's become for this command (the probe needs no root).
        A non-zero exit is a Result, not an error: the caller decides.
        """
        if script is None:
            if not argv:
                raise ValueError("run() needs argv or script")
            return self._execute(self._command_line(list(argv), become), None, timeout)
        command = ["sh", "-s"]
        if argv:
            command += ["--", *argv]
        return self._execute(self._command_line(command, become), script.encode(), timeout)

    def put(self, source: str | Path | bytes, remote_path: str, mode: int = 0o644, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Write bytes, or a local file's bytes, to remote_path atomically with mode."""
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        argv = ["sh", "-c", one_line("put-file.sh"), "fleetctl-put", remote_path, format(mode, "o")]
        self._check_put(self._execute(self._command_line(argv), data, timeout), remote_path)

    def _check_put(self, result: Result, remote_path: str) -> None:
        if not result.ok:
            cause = (result.stderr.strip().splitlines() or [f"exit code {result.exit_code}"])[-1]
            raise TransportError(f"{self.name}: cannot write {remote_path}: {cause}")
