"""What every transport sends: one quoted command line, wrapped in sudo -n when it becomes root."""

import pytest

from fleetctl.transport import Result, quote_command
from fleetctl.transport.base import Transport


def test_quote_command():
    assert quote_command(["echo", "a b", "it's"]) == "echo 'a b' 'it'\"'\"'s'"
    with pytest.raises(ValueError):
        quote_command([])


class RecordingTransport(Transport):
    """Records the command lines a Transport would send, to check the become wrapping."""

    def __init__(self, become: bool) -> None:
        super().__init__("rec", become)
        self.sent: list[tuple[str, bytes | None]] = []

    def _execute(self, command, stdin, timeout):
        self.sent.append((command, stdin))
        return Result(0, "", "")

    def close(self) -> None:
        pass


def test_become_wraps_every_command_in_non_interactive_sudo():
    transport = RecordingTransport(become=True)
    transport.run(["systemctl", "restart", "app one"])
    transport.run(script="echo hi")
    transport.put(b"data", "/etc/app.conf", mode=0o640)
    commands = [command for command, _ in transport.sent]
    assert commands[0] == "sudo -n -- systemctl restart 'app one'"
    assert commands[1] == "sudo -n -- sh -s"
    assert commands[2].startswith("sudo -n -- sh -c ") and commands[2].endswith(" fleetctl-put /etc/app.conf 640")
    assert transport.sent[1][1] == b"echo hi" and transport.sent[2][1] == b"data"
