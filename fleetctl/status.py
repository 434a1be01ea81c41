"""`fleetctl status`: what runs on each host, from systemd and the cluster runtime's state file."""

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from fleetctl.deploy.host import unit_mode
from fleetctl.deploy.hoststate import unit_path
from fleetctl.facts.sections import ProbeParseError, split_sections
from fleetctl.inventory import Host, app_spec
from fleetctl.runtime import STATE_FILE_NAME
from fleetctl.transport import TransportError, connect

STATUS_SCRIPT = """app_root=$1 service=$2 unit=$3 state_file=$4
section() { printf '==> %s <==\\n' "$1"; }
section status; echo 'fleetctl-status 1'
section current; readlink "$app_root/current" 2>/dev/null
section show; systemctl show "$service" -p ActiveState -p SubState -p MainPID -p NRestarts \\
  -p ActiveEnterTimestampMonotonic 2>/dev/null
section uptime; cat /proc/uptime
section unit; cat "$unit" 2>/dev/null
section runtime; cat "$state_file" 2>/dev/null
section end
exit 0
"""


@dataclass(frozen=True)
class HostStatus:
    host: str
    service: str  # active (running), failed, inactive (dead), ...
    release: str | None
    mode: str | None
    workers_alive: int | None
    workers_expected: int | None
    restarts: int | None
    uptime_s: float | None
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def parse_status(host: str, raw: str) -> HostStatus:
    sections = split_sections(raw, banner_section="status", banner="fleetctl-status 1")
    show = dict(line.split("=", 1) for line in sections.get("show", "").splitlines() if "=" in line)
    active = show.get("ActiveState", "unknown")
    service = f"{active} ({show['SubState']})" if show.get("SubState") else active
    current = sections.get("current", "").strip().rstrip("/")
    mode, expected = unit_mode(sections.get("unit") or None) if sections.get("unit") else (None, None)
    restarts = int(show["NRestarts"]) if show.get("NRestarts", "").isdigit() else None
    alive = 1 if mode == "single" and active == "active" else (0 if mode == "single" else None)
    if sections.get("runtime"):
        try:
            runtime = json.loads(sections["runtime"])
            alive = sum(worker.get("state") == "ready" for worker in runtime.get("workers", []))
            restarts = (restarts or 0) + sum(worker.get("restarts", 0) for worker in runtime.get("workers", []))
        except ValueError:
            pass
    uptime = None
    entered = show.get("ActiveEnterTimestampMonotonic", "0")
    if active == "active" and entered.isdigit() and int(entered) > 0 and sections.get("uptime"):
        uptime = max(0.0, float(sections["uptime"].split()[0]) - int(entered) / 1e6)
    return HostStatus(host, service, current.rsplit("/", 1)[-1] if current else None, mode, alive, expected,
                      restarts, uptime)


def host_status(host: Host, trust_on_first_use: bool = False) -> HostStatus:
    app = app_spec(host)
    arguments = [app.root, app.unit_name, unit_path(app), f"/run/{app.name}/{STATE_FILE_NAME}"]
    try:
        with connect(host.connection, trust_on_first_use=trust_on_first_use) as transport:
            raw = transport.run(arguments, script=STATUS_SCRIPT, timeout=60).stdout
        return parse_status(host.name, raw)
    except (TransportError, ProbeParseError) as error:
        return HostStatus(host.name, "unknown", None, None, None, None, None, None, error=str(error))


def fleet_status(hosts: Sequence[Host], forks: int = 10, trust_on_first_use: bool = False) -> list[HostStatus]:
    if not hosts:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(hosts)))) as pool:
        return list(pool.map(lambda host: host_status(host, trust_on_first_use), hosts))
