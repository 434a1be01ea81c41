"""The docker CLI, called with argument lists. The lab's only way to reach the engine."""

import subprocess
from typing import IO
from dataclasses import dataclass

from fleetctl.lab import LabError


class DockerError(LabError):
    """A docker command failed; str() is one line."""


@dataclass(frozen=True)
class Docker:
    binary: str = "docker"

    def run(self, args: list[str], stdin: IO[bytes] | None = None, timeout: float = 600, check: bool = True) -> str:
        """stdout of `docker ARGS`; with check, a non-zero exit raises DockerError."""
        try:
            done = subprocess.run(
                [self.binary, *args], stdin=stdin, capture_output=True, timeout=timeout
            )
        except FileNotFoundError:
            raise DockerError(f"{self.binary} not found") from None
        except subprocess.TimeoutExpired:
            raise DockerError(f"docker {args[0]} timed out after {timeout:.0f} s") from None
        if check and done.returncode != 0:
            raise DockerError(f"docker {' '.join(args[:2])}: {_cause(done.stderr.decode(errors='replace'))}")
        return done.stdout.decode(errors="replace")

    def answers(self) -> bool:
        try:
            self.run(["version", "--format", "{{.Server.Version}}"], timeout=20)
        except DockerError:
            return False
        return True

    def label(self, kind: str, name: str, label: str) -> str | None:
        """A label of an image or container, or None when the object does not exist."""
        try:
            value = self.run([kind, "inspect", "--format", f'{{{{ index .Config.Labels "{label}" }}}}', name])
        except DockerError:
            return None
        return value.strip()

    def subnets_in_use(self) -> list[str]:
        """The subnet of every network the engine has (every user's, not only the labs')."""
        names = self.run(["network", "ls", "--format", "{{.Name}}"]).split()
        out = self.run(["network", "inspect", "--format",
                        "{{range .IPAM.Config}}{{.Subnet}} {{end}}", *names]) if names else ""
        return out.split()


def _cause(stderr: str) -> str:
    """The line of docker's stderr that says what went wrong (not its "see --help" hint)."""
    lines = [line.strip() for line in stderr.splitlines()
             if line.strip() and "--help" not in line]
    return lines[-1].removeprefix("docker: ") if lines else "(no output)"
