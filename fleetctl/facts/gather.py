"""Probe hosts: run probe.sh in one exec per host and parse it, many hosts at once."""

import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from fleetctl.facts.model import Facts, KnownVirt, NodeVersions
from fleetctl.fanout import fan_out
from fleetctl.facts.probecache import ProbeCache
from fleetctl.facts.parse import (
    detected_virt, node_identity, node_unanswered, parse_probe, vm_shared_key, with_shared_vm,
)
from fleetctl.facts.parsers import NODE_VERSIONS_EXPRESSION, parse_node_versions
from fleetctl.facts.script import probe_script
from fleetctl.facts.sections import ProbeParseError
from fleetctl.transport import ConnectionSpecLike, Transport, TransportError, connect

PROBE_TIMEOUT = 60.0
# A host's name -> a block with an open transport to it: the command's pool (fleetctl.transport.ConnectionPool).
ConnectHost = Callable[[str], AbstractContextManager[Transport]]


@dataclass(frozen=True)
class ProbeResult:
    """One host's row: facts, or a one-line error naming the host."""

    name: str
    facts: Facts | None
    error: str | None
    raw: str = ""
    also: object = None  # what the caller's `also` read over the same connection

    @property
    def ok(self) -> bool:
        return self.facts is not None


class SharedVmAnswers:
    """systemd-detect-virt --vm's answer per machine, for one command's probes: the first container of a
    machine (fleetctl.facts.parse.vm_shared_key) whose probe left the question to the caller
    asks it, in a second exec; the other containers of that machine wait for its answer and start nothing.

    Starting systemd-detect-virt (it loads systemd's 4 MB shared library) cost a lab host about 9 ms of CPU,
    about as much as the rest of the probe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asking: dict[str, threading.Lock] = {}
        self._answers: dict[str, str] = {}

    def answer(self, key: str, ask: Callable[[], str]) -> str:
        """The answer for key; ask() gives it when nobody has yet (if it fails, the next waiter asks)."""
        with self._lock:
            asking = self._asking.setdefault(key, threading.Lock())
        with asking:
            if key not in self._answers:
                self._answers[key] = ask()
            return self._answers[key]


def gather(transport: Transport, timeout: float = PROBE_TIMEOUT,
           known_node: NodeVersions | None = None, known_virt: KnownVirt | None = None,
           service_slice: str | None = None, shared_vm: SharedVmAnswers | None = None) -> tuple[str, Facts]:
    """Run probe.sh on the host in a single exec, as the login user (facts need no root); (raw output, facts).

    service_slice: the slice the app's service runs in, when not system.slice: its cgroup's limits are the
    ones that bind the app (the probe's own login session may have others).

    known_node: cached versions and ABI of the host's node binary; the probe skips starting node while it is
    the same.
    known_virt: cached systemd-detect-virt answers; the probe skips it while their key (boot, PID 1) holds.
    shared_vm: the command's answers of systemd-detect-virt --vm per machine, shared by the containers of one
    machine (the raw output then holds the answer in a section of its own).
    """
    if known_node is not None and not known_node.complete:
        known_node = None  # without the ABI it cannot stand in for node: node is asked
    arguments = None
    if known_node or known_virt or service_slice or shared_vm is not None:
        arguments = [known_node.identity if known_node else "", known_virt.key if known_virt else ""]
        if service_slice or shared_vm is not None:
            arguments.append(service_slice or "")  # "": system.slice
        if shared_vm is not None:
            arguments.append("shared")
    result = transport.run(arguments, script=probe_script(), timeout=timeout, become=False)
    raw = result.stdout
    try:
        if shared_vm is not None and (key := vm_shared_key(raw)) is not None:
            raw = with_shared_vm(raw, shared_vm.answer(key, lambda: _ask_vm(transport, timeout)))
        facts = parse_probe(raw, known_node, known_virt)
    except ProbeParseError as error:
        detail = (result.stderr.strip().splitlines() or [""])[-1]
        cause = f"{error}" + (f" (exit code {result.exit_code}: {detail})" if not result.ok else "")
        raise ProbeParseError(f"{transport.name}: {cause}") from None
    if facts.node_version is None and node_unanswered(raw):
        facts = _ask_node(transport, raw, facts, known_virt, timeout)
    return raw, facts


def _ask_vm(transport: Transport, timeout: float) -> str:
    """What systemd-detect-virt --vm prints on this host (exit code 1 with "none" where there is no VM)."""
    return transport.run(["systemd-detect-virt", "--vm"], timeout=timeout, become=False).stdout.strip()


def _ask_node(transport: Transport, raw: str, facts: Facts, known_virt: KnownVirt | None, timeout: float) -> Facts:
    """Facts with what node -p prints, when node's files did not tell it all (a second exec, rare)."""
    asked = transport.run(["node", "-p", NODE_VERSIONS_EXPRESSION], timeout=timeout, become=False)
    runtime = parse_node_versions(asked.stdout)
    if runtime is None:
        return facts
    return parse_probe(raw, NodeVersions(node_identity(raw) or "", runtime.node, runtime.libuv, runtime.abi),
                       known_virt)


def probe_host(
    spec: ConnectionSpecLike,
    trust_on_first_use: bool = False,
    ssh_config_file: str | None = None,
    also: Callable[[Transport], object] | None = None,
    probe_cache: ProbeCache | None = None,
    connect_host: ConnectHost | None = None,
    service_slice: str | None = None,
    shared_vm: SharedVmAnswers | None = None,
) -> ProbeResult:
    """Connect (or take the command's connection to the host: connect_host), probe, run `also` on the same
    connection, and close it (or give it back); every failure becomes the row's error."""
    try:
        connection = connect_host(spec.name) if connect_host is not None else \
            connect(spec, trust_on_first_use=trust_on_first_use, ssh_config_file=ssh_config_file)
        with connection as transport:
            raw, facts = gather(transport, known_node=probe_cache.get(spec.name) if probe_cache else None,
                                known_virt=probe_cache.get_virt(spec.name) if probe_cache else None,
                                service_slice=service_slice, shared_vm=shared_vm)
            extra = also(transport) if also is not None else None
        identity = node_identity(raw)
        if probe_cache is not None and identity and facts.node_version and facts.node_abi:
            probe_cache.put(spec.name, NodeVersions(identity, facts.node_version, facts.libuv_version,
                                                    facts.node_abi))
        virt = detected_virt(raw)
        if probe_cache is not None and virt is not None:
            probe_cache.put_virt(spec.name, virt)
        return ProbeResult(spec.name, facts, None, raw, extra)
    except (TransportError, ProbeParseError) as error:
        return ProbeResult(spec.name, None, str(error))


def _unexpected(spec: ConnectionSpecLike, error: Exception) -> ProbeResult:
    return ProbeResult(spec.name, None, f"{spec.name}: unexpected {type(error).__name__}: {error}")


def probe_hosts(
    specs: Sequence[ConnectionSpecLike],
    forks: int = 10,
    trust_on_first_use: bool = False,
    ssh_config_file: str | None = None,
    on_result: Callable[[ProbeResult], None] | None = None,
    also: Callable[[ConnectionSpecLike, Transport], object] | None = None,
    probe_cache: ProbeCache | None = None,
    connect_host: ConnectHost | None = None,
    slices: Mapping[str, str] | None = None,
) -> list[ProbeResult]:
    """Probe every host, forks at a time; results in the order of specs.

    also(spec, transport), when given, reads more from each host over the probe's connection.
    connect_host, when given, gives each host's connection (the command's pool, which keeps it open).
    slices: host name -> the slice its app's service runs in, where it is not system.slice.
    """
    # One host has no other to share systemd-detect-virt --vm with: its probe asks it in its one exec.
    shared_vm = SharedVmAnswers() if len(specs) > 1 else None

    def probe(spec: ConnectionSpecLike) -> ProbeResult:
        then = (lambda transport: also(spec, transport)) if also is not None else None
        return probe_host(spec, trust_on_first_use, ssh_config_file, then, probe_cache, connect_host,
                          (slices or {}).get(spec.name), shared_vm)

    results = fan_out(specs, probe, forks, failed=_unexpected, on_row=on_result)
    if results and probe_cache is not None:
        probe_cache.save()
    return results
