"""What is deployed on a host, read in one exec and parsed by a pure function."""

from dataclasses import dataclass

from fleetctl.domain import Mode, RunningProcess
from fleetctl.facts.sections import split_sections
from fleetctl.inventory import AppSpec
from fleetctl.remote import script
from fleetctl.runtime import INSTALLED_RUNTIME_PATH, INSTALLED_SHIM_PATH
from fleetctl.transport import Transport


@dataclass(frozen=True)
class HostState:
    current: str | None  # release id `current` points at
    previous: str | None  # release id `previous` points at
    releases: tuple[str, ...]  # newest first
    unit: str | None  # the installed unit's text
    env_sha256: str | None
    runtime_sha256: str | None
    user_exists: bool
    active: str  # systemctl is-active: active, inactive, failed, activating...
    enabled: bool
    # What was last started and passed the health gate, as activation_marker() writes it:
    # "" when the host has no record of it, None when not read (older callers, tests).
    activated: str | None = None
    process: str | None = None  # the installed process file's text (RunningProcess as JSON)
    socket_unit: str | None = None  # the installed socket unit's text
    socket_active: str = "inactive"  # systemctl is-active of the socket unit
    socket_enabled: bool = False
    shim_sha256: str | None = None

    @property
    def installed(self) -> bool:
        return self.current is not None

    @property
    def running(self) -> RunningProcess | None:
        """How the installed unit starts the app; None before the first deploy."""
        return RunningProcess.from_json(self.process)

    @property
    def clustered(self) -> bool:
        return self.running is not None and self.running.mode is Mode.CLUSTER


def state_arguments(app: AppSpec) -> list[str]:
    return [app.root, app.unit_path, app.env_file, INSTALLED_RUNTIME_PATH, app.user, app.unit_name,
            app.process_file, app.socket_unit_path, app.socket_unit_name, INSTALLED_SHIM_PATH]


def read_host_state(transport: Transport, app: AppSpec) -> HostState:
    result = transport.run(state_arguments(app), script=script("hoststate.sh"), timeout=60)
    return parse_host_state(result.stdout)


def parse_host_state(raw: str) -> HostState:
    sections = split_sections(raw, banner_section="hoststate", banner="fleetctl-hoststate 1")

    def release_id(link_target: str) -> str | None:
        link_target = link_target.strip().rstrip("/")
        return link_target.rsplit("/", 1)[-1] if link_target else None

    return HostState(
        current=release_id(sections.get("current", "")),
        previous=release_id(sections.get("previous", "")),
        releases=tuple(line for line in sections.get("releases", "").splitlines() if line.strip()),
        unit=(sections.get("unit") or None) and sections["unit"] + "\n",
        process=(sections.get("process") or None) and sections["process"] + "\n",
        env_sha256=sections.get("env_sha256") or None,
        runtime_sha256=sections.get("runtime_sha256") or None,
        user_exists=bool(sections.get("user", "").strip()),
        active=sections.get("active", "").strip() or "inactive",
        enabled=sections.get("enabled", "").strip() == "enabled",
        activated=_activated(sections.get("activated")),
        socket_unit=(sections.get("socket_unit") or None) and sections["socket_unit"] + "\n",
        socket_active=sections.get("socket_active", "").strip() or "inactive",
        socket_enabled=sections.get("socket_enabled", "").strip() == "enabled",
        shim_sha256=sections.get("shim_sha256") or None,
    )


def _activated(raw: str | None) -> str | None:
    if raw is None:
        return None
    raw = raw.strip()
    return "" if raw in ("", "none") else raw
