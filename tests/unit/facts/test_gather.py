"""gather and probe_hosts: the probe sent once per host, failures as one-line rows, results in order (no SSH)."""

from dataclasses import dataclass, replace

import pytest

from fleetctl.facts import Facts, ProbeParseError, gather, parse_probe, probe_hosts, probe_script
from fleetctl.transport import Result, Transport

from ..fixture_files import read_fixture


def steady(facts: Facts) -> Facts:
    """Facts without the free disk, which moves between two probes a moment apart on a busy machine."""
    return replace(facts, opt_free_mb=None)


class CannedTransport(Transport):
    """Answers every command with one canned Result and records what it was sent."""

    def __init__(self, name: str, answer: Result) -> None:
        super().__init__(name, become=False)
        self.answer = answer
        self.sent: list[tuple[str, bytes | None]] = []

    def _execute(self, command, stdin, timeout):
        self.sent.append((command, stdin))
        return self.answer

    def close(self) -> None:
        pass


def test_gather_sends_the_probe_once_on_stdin_of_sh():
    transport = CannedTransport("pi4", Result(0, read_fixture("pi4-aarch64.txt"), ""))
    raw, facts = gather(transport)
    assert transport.sent == [("sh -s", probe_script().encode())]
    assert (raw, facts) == (read_fixture("pi4-aarch64.txt"), parse_probe(read_fixture("pi4-aarch64.txt")))


def test_gather_failure_names_the_host_and_the_remote_cause_on_one_line():
    transport = CannedTransport("web1", Result(1, "", "This account is currently not available.\n"))
    with pytest.raises(ProbeParseError) as failed:
        gather(transport)
    assert str(failed.value) == (
        "web1: output is not from the fleetctl probe script (no banner) "
        "(exit code 1: This account is currently not available.)"
    )


@dataclass(frozen=True)
class LocalSpec:
    name: str
    address: str = "localhost"
    port: int | None = None
    user: str | None = None
    key_file: str | None = None
    connection: str = "local"
    become: bool = False
    known_hosts_file: str | None = None


def test_probe_hosts_keeps_order_and_turns_every_failure_into_a_row():
    specs = [LocalSpec("one"), LocalSpec("bad", connection="telnet"), LocalSpec("two")]
    seen = []
    results = probe_hosts(specs, forks=3, on_result=lambda result: seen.append(result.name))
    assert [r.name for r in results] == ["one", "bad", "two"]
    assert sorted(seen) == ["bad", "one", "two"]
    assert results[0].ok and results[2].ok and steady(results[0].facts) == steady(results[2].facts)
    assert results[1].facts is None
    assert results[1].error == "bad: unknown connection 'telnet' (expected ssh or local)"
    assert probe_hosts([], forks=5) == []
