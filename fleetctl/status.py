"""`fleetctl status`: what runs on each host, from systemd and the cluster runtime's state file."""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from fleetctl.deploy.bake import runtime_restarts
from fleetctl.domain import Mode, RunningProcess
from fleetctl.facts.sections import ProbeParseError, split_sections
from fleetctl.fanout import fan_out
from fleetctl.inventory import Host
from fleetctl.remote import script
from fleetctl.transport import TransportError, connect


@dataclass(frozen=True)
class HostStatus:
    host: str
    service: str  # active (running), failed, inactive (dead), ...
    release: str | None
    mode: Mode | None
    workers_alive: int | None
    workers_expected: int | None
    restarts: int | None
    uptime_s: float | None
    error: str | None = None
    socket: str | None = None  # "listening on [::]:3000", or the socket unit's state; None without one

    def to_dict(self) -> dict:
        return asdict(self)


def parse_status(host: str, raw: str) -> HostStatus:
    sections = split_sections(raw, banner_section="status", banner="fleetctl-status 1")
    show = dict(line.split("=", 1) for line in sections.get("show", "").splitlines() if "=" in line)
    active = show.get("ActiveState", "unknown")
    service = f"{active} ({show['SubState']})" if show.get("SubState") else active
    current = sections.get("current", "").strip().rstrip("/")
    process = RunningProcess.from_json(sections.get("process"))
    mode, expected = (process.mode, process.workers) if process else (None, None)
    restarts = int(show["NRestarts"]) if show.get("NRestarts", "").isdigit() else None
    alive = (1 if active == "active" else 0) if mode is Mode.SINGLE else None
    if sections.get("runtime"):
        try:
            workers = json.loads(sections["runtime"]).get("workers", [])
            alive = sum(worker.get("state") == "ready" for worker in workers)
            restarts = (restarts or 0) + runtime_restarts(workers)
        except ValueError:
            pass
    uptime = None
    entered = show.get("ActiveEnterTimestampMonotonic", "0")
    if active == "active" and entered.isdigit() and int(entered) > 0 and sections.get("uptime"):
        uptime = max(0.0, float(sections["uptime"].split()[0]) - int(entered) / 1e6)
    return HostStatus(host, service, current.rsplit("/", 1)[-1] if current else None, mode, alive, expected,
                      restarts, uptime, socket=_socket(sections.get("socket", "")))


def _socket(raw: str) -> str | None:
    """The socket unit's state from `systemctl show`: whether it listens, and where."""
    lines = raw.splitlines()
    show = dict(line.split("=", 1) for line in lines if "=" in line)
    if show.get("LoadState", "not-found") == "not-found":
        return None
    if show.get("ActiveState") == "active":
        # One Listen= line per address: "[::]:3000 (Stream)"
        addresses = [line.split("=", 1)[1].rsplit(" (", 1)[0] for line in lines if line.startswith("Listen=")]
        return f"listening on {', '.join(addresses)}" if addresses else "listening"
    active = show.get("ActiveState", "unknown")
    return f"{active} ({show['SubState']})" if show.get("SubState") else active


def host_status(host: Host, trust_on_first_use: bool = False) -> HostStatus:
    app = host.app
    arguments = [app.root, app.unit_name, app.process_file, app.runtime_state_file, app.socket_unit_name]
    try:
        with connect(host.connection, trust_on_first_use=trust_on_first_use) as transport:
            raw = transport.run(arguments, script=script("status.sh"), timeout=60).stdout
        return parse_status(host.name, raw)
    except (TransportError, ProbeParseError) as error:
        return _unknown(host.name, str(error))


def fleet_status(hosts: Sequence[Host], forks: int = 10, trust_on_first_use: bool = False) -> list[HostStatus]:
    """The status of each host with an app, in the hosts' order."""
    return fan_out(hosts, lambda host: host_status(host, trust_on_first_use), forks, failed=_unexpected)


def _unexpected(host: Host, error: Exception) -> HostStatus:
    return _unknown(host.name, f"{host.name}: unexpected {type(error).__name__}: {error}")


def _unknown(host: str, error: str) -> HostStatus:
    return HostStatus(host, "unknown", None, None, None, None, None, None, error=error)
