"""Run on this machine, through the same sh command lines as over SSH."""

import os
import signal
import subprocess

from fleetctl.transport.base import Result, Transport, TransportError


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

    def close(self) -> None:
        pass
