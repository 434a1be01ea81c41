"""Run on this machine, through the same sh command lines as over SSH."""

import os
import selectors
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from fleetctl.transport.base import STAGING_PREFIX, STOPPED, Result, Transport, TransportError

READ_SIZE = 65536


class LocalTransport(Transport):
    def __init__(self, name: str = "localhost", become: bool = False) -> None:
        # Already root: sudo would add nothing and may not even be installed.
        super().__init__(name, become=become and os.geteuid() != 0)

    def _command_line(self, argv: list[str], become: bool | None = None) -> str:
        # Asked for explicitly (`fleetctl exec --become`) or not, root needs no sudo.
        return super()._command_line(argv, False if os.geteuid() == 0 else become)

    def _execute(self, command: str, stdin: bytes | None, timeout: float) -> Result:
        # A session of its own, so a timeout kills the command's children too.
        process = subprocess.Popen(
            ["sh", "-c", command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(stdin or b"", timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise TransportError(f"{self.name}: timed out after {timeout:g}s") from None
        return Result(
            exit_code=process.returncode,
            stdout=stdout.decode(errors="replace"),
            stderr=stderr.decode(errors="replace"),
        )

    def _stream(self, command: str, on_stdout: Callable[[bytes], None], stop: threading.Event) -> Result:
        process = subprocess.Popen(["sh", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
        stderr = bytearray()
        with process, selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ, on_stdout)
            selector.register(process.stderr, selectors.EVENT_READ, stderr.extend)
            while selector.get_map() and not stop.is_set():
                for key, _ in selector.select(1.0):  # also how soon a stop is seen
                    chunk = os.read(key.fd, READ_SIZE)
                    if chunk:
                        key.data(chunk)
                    else:
                        selector.unregister(key.fileobj)
            if stop.is_set():
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return Result(STOPPED, "", stderr.decode(errors="replace"))
            return Result(process.wait(), "", stderr.decode(errors="replace"))

    def _read_file(self, path: str, timeout: float) -> bytes:
        return Path(path).read_bytes()

    def _make_staging_file(self, timeout: float) -> str:
        # In the home folder, as over SSH, not in /tmp: root may not write into another user's file in a
        # sticky world-writable folder (fs.protected_regular), and stage-download.sh writes as root.
        descriptor, path = tempfile.mkstemp(prefix=STAGING_PREFIX, dir=Path.home())  # made 0600
        os.close(descriptor)
        return path

    def _remove_staging_file(self, path: str, timeout: float) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass

    def close(self) -> None:
        pass
