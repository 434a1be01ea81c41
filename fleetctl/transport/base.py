"""The one interface through which fleetctl touches a host.

run() and put() are built here on a single primitive, _execute(command line,
stdin bytes, timeout), so every implementation quotes, wraps in sudo and
uploads files the same way: what runs over SSH is byte for byte what runs
through the local connection. get() reads files through three more (read a
file, make a private staging file, remove it), so that its sudo step, too, is
the same command everywhere.
"""

import shlex
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fleetctl.remote import one_line, script

DEFAULT_TIMEOUT = 60.0
# The exit code of a Result whose command stream() ended because it was asked to stop.
STOPPED = -1
# The name of get()'s private staging files in the login user's home, before a random part.
STAGING_PREFIX = ".fleetctl-download-"


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

    def stream(self, argv: list[str], on_stdout: Callable[[bytes], None], stop: threading.Event,
               become: bool | None = None) -> Result:
        """Run argv for as long as it runs, handing its stdout to on_stdout as it arrives, until it exits or
        `stop` is set; then the command is ended and the exit code is STOPPED.

        For a command that need not end by itself (`journalctl --follow`): no timeout. The Result's stdout
        is empty (on_stdout had it), its stderr whole. A host that goes away is a TransportError.
        """
        return self._stream(self._command_line(list(argv), become), on_stdout, stop)

    def _stream(self, command: str, on_stdout: Callable[[bytes], None], stop: threading.Event) -> Result:
        """stream()'s primitive: one shell command line, stdin empty."""
        raise NotImplementedError(f"{type(self).__name__} cannot stream a command's output")

    def put(self, source: str | Path | bytes, remote_path: str, mode: int = 0o644, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Write bytes, or a local file's bytes, to remote_path atomically with mode."""
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        argv = ["sh", "-c", one_line("put-file.sh"), "fleetctl-put", remote_path, format(mode, "o")]
        self._check_put(self._execute(self._command_line(argv), data, timeout), remote_path)

    def _check_put(self, result: Result, remote_path: str) -> None:
        if not result.ok:
            cause = (result.stderr.strip().splitlines() or [f"exit code {result.exit_code}"])[-1]
            raise TransportError(f"{self.name}: cannot write {remote_path}: {cause}")

    def get(self, remote_path: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """The bytes of the file remote_path; a TransportError naming the host when it cannot be read.

        The login user reads it. With become, a file the login user may not read
        is first copied, through sudo, into a private (0600) staging file of the
        login user's own (stage-download.sh), which is then read and removed: a
        file the login user can read costs no sudo and no copy.
        """
        try:
            return self._read_file(remote_path, timeout)
        except PermissionError as error:
            if not self.become:
                raise self._cannot_read(remote_path, error) from None
        except OSError as error:
            raise self._cannot_read(remote_path, error) from None
        return self._get_through_staging(remote_path, timeout)

    def _get_through_staging(self, remote_path: str, timeout: float) -> bytes:
        try:
            staging = self._make_staging_file(timeout)
        except OSError as error:
            cause = f"no staging file: {_cause(error)}"
            raise TransportError(f"{self.name}: cannot read {remote_path}: {cause}") from None
        try:
            copied = self.run([remote_path, staging], script=script("stage-download.sh"), timeout=timeout)
            if not copied.ok:
                cause = (copied.stderr.strip().splitlines() or [f"exit code {copied.exit_code}"])[-1]
                raise TransportError(f"{self.name}: cannot read {remote_path}: {cause}")
            try:
                return self._read_file(staging, timeout)
            except OSError as error:
                raise self._cannot_read(remote_path, error) from None
        finally:
            self._remove_staging_file(staging, timeout)

    def _cannot_read(self, remote_path: str, error: OSError) -> TransportError:
        return TransportError(f"{self.name}: cannot read {remote_path}: {_cause(error)}")

    # get()'s primitives. Not abstract: a transport that only runs commands (a test's double) need not
    # define them, and fails plainly if it is asked to read a file.

    def _read_file(self, path: str, timeout: float) -> bytes:
        """The bytes of a file, read as the login user; OSError (PermissionError included) when it cannot be
        read, TransportError when the host cannot be used."""
        raise NotImplementedError(f"{type(self).__name__} cannot read files")

    def _make_staging_file(self, timeout: float) -> str:
        """Make an empty file only the login user may read (0600), in its home; its absolute path."""
        raise NotImplementedError(f"{type(self).__name__} cannot read files")

    def _remove_staging_file(self, path: str, timeout: float) -> None:
        """Remove a staging file; never raises (the file is private, and its removal must not hide the
        outcome of the download it served)."""
        raise NotImplementedError(f"{type(self).__name__} cannot read files")


def _cause(error: OSError) -> str:
    """An OSError's words without its errno: "No such file or directory"."""
    return error.strerror or str(error) or type(error).__name__
