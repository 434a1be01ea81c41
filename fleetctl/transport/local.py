"""Run on this machine, through the same sh command lines as over SSH."""

import os
import signal
import subprocess
import tempfile
from pathlib import Path

from fleetctl.transport.base import STAGING_PREFIX, Result, Transport, TransportError


class LocalTransport(Transport):
    def __init__(self, name: str = "localhost", become: bool = False) -> None:
        # Already root: sudo would add nothing and may not even be installed.
        super().__init__(name, become=become and os.geteuid() != 0)

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
