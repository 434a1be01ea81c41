"""gather and probe_hosts: the probe sent once per host, failures as one-line rows, results in order (no SSH)."""

import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace

import pytest

from fleetctl.facts import Facts, ProbeParseError, gather, parse_probe, probe_hosts, probe_script
from fleetctl.facts.gather import SharedVmAnswers
from fleetctl.transport import Result, Transport, TransportError

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


class ContainerTransport(Transport):
    """A container of the plain lab persona: its probe leaves systemd-detect-virt --vm to a caller who shares it."""

    def __init__(self, name: str, vm: str = "kvm", fails: bool = False) -> None:
        super().__init__(name, become=False)
        self.vm, self.fails = vm, fails
        self.sent: list[str] = []

    def _execute(self, command, stdin, timeout):
        self.sent.append(command)
        if command == "systemd-detect-virt --vm":
            if self.fails:
                raise TransportError(f"{self.name}: connection lost while running a command")
            return Result(0, self.vm + "\n", "")
        probed, _, _ = read_fixture("lab-plain-persona-vm-shared.txt").partition("==> vm_shared_answer <==")
        return Result(0, probed, "")

    def close(self) -> None:
        pass


def test_the_containers_of_one_machine_ask_systemd_detect_virt_once_between_them():
    shared = SharedVmAnswers()
    first, second = ContainerTransport("plain-1"), ContainerTransport("plain-2", vm="not asked")
    raw, facts = gather(first, shared_vm=shared)
    assert first.sent == ["sh -s -- '' '' '' shared", "systemd-detect-virt --vm"]
    assert raw == read_fixture("lab-plain-persona-vm-shared.txt") and facts.virt_vm == "kvm"
    raw, facts = gather(second, shared_vm=shared)
    assert second.sent == ["sh -s -- '' '' '' shared"]  # the machine's answer was known: one exec
    assert facts.virt_vm == "kvm"


def test_when_the_container_asking_fails_the_next_one_asks():
    shared = SharedVmAnswers()
    with pytest.raises(TransportError):
        gather(ContainerTransport("plain-1", fails=True), shared_vm=shared)
    second = ContainerTransport("plain-2")
    assert gather(second, shared_vm=shared)[1].virt_vm == "kvm"
    assert second.sent[-1] == "systemd-detect-virt --vm"


def test_a_shared_answer_is_asked_once_while_many_hosts_wait_for_it():
    shared, started = SharedVmAnswers(), threading.Event()
    asked = []

    def ask() -> str:
        asked.append(1)
        started.wait(5)  # the others arrive while the first is asking
        return "kvm"

    threads = [threading.Thread(target=lambda: shared.answer("boot lib", ask)) for _ in range(8)]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join(5)
    assert asked == [1] and shared.answer("boot lib", lambda: "asked again") == "kvm"
    assert shared.answer("other-boot lib", lambda: "none") == "none"


def test_probe_hosts_shares_the_vm_answer_between_hosts_and_a_single_host_asks_in_its_one_exec():
    transports = {name: ContainerTransport(name) for name in ("plain-1", "plain-2", "plain-3")}

    @contextmanager
    def connect_host(name):
        yield transports[name]

    results = probe_hosts([LocalSpec(name) for name in transports], forks=3, connect_host=connect_host)
    assert [result.facts.virt_vm for result in results] == ["kvm"] * 3
    sent = [command for transport in transports.values() for command in transport.sent]
    assert sent.count("sh -s -- '' '' '' shared") == 3 and sent.count("systemd-detect-virt --vm") == 1

    alone = ContainerTransport("plain-1")
    probe_hosts([LocalSpec("plain-1")], connect_host=lambda name: nullcontext(alone))
    assert alone.sent == ["sh -s"]  # nobody to share with: the probe is told nothing
