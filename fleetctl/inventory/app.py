"""The app a host runs, from its fleet_app_* variables, and every path of it on the host.

The paths are written out here and nowhere else.
"""

from dataclasses import dataclass

from fleetctl.runtime import STATE_FILE_NAME

FLEET_ETC = "/etc/fleet"
APPS_ROOT = "/opt"
UNIT_DIR = "/etc/systemd/system"
DEFAULT_SLICE = "system.slice"  # where systemd runs a service whose unit names no Slice=


@dataclass(frozen=True)
class AppSpec:
    name: str
    user: str
    entry: str = "server.js"
    port: int = 3000
    health_path: str = "/healthz"
    writable_paths: tuple[str, ...] = ()  # besides the shared folder
    env: tuple[tuple[str, str], ...] = ()  # (NAME, value) pairs; may hold secrets
    src: str | None = None  # folder on the control machine
    slice: str = DEFAULT_SLICE  # the systemd slice its service runs in (fleet_app_slice)
    stop_timeout: float = 30  # seconds systemd gives a stop (fleet_stop_timeout)
    reload_timeout: float = 300  # seconds systemd gives a reload (fleet_reload_timeout)
    socket: bool = True  # systemd holds the port in fleet-<name>.socket and passes it to the app

    @property
    def group(self) -> str:
        return self.user

    @property
    def root(self) -> str:
        return f"{APPS_ROOT}/{self.name}"

    @property
    def releases_dir(self) -> str:
        return f"{self.root}/releases"

    def release_dir(self, release_id: str) -> str:
        return f"{self.releases_dir}/{release_id}"

    @property
    def current(self) -> str:
        return f"{self.root}/current"

    @property
    def shared(self) -> str:
        return f"{self.root}/shared"

    @property
    def entry_path(self) -> str:
        return f"{self.current}/{self.entry}"

    @property
    def env_file(self) -> str:
        return f"{FLEET_ETC}/{self.name}.env"

    @property
    def unit_name(self) -> str:
        return f"fleet-{self.name}.service"

    @property
    def unit_path(self) -> str:
        return f"{UNIT_DIR}/{self.unit_name}"

    @property
    def socket_unit_name(self) -> str:
        return f"fleet-{self.name}.socket"

    @property
    def socket_unit_path(self) -> str:
        return f"{UNIT_DIR}/{self.socket_unit_name}"

    @property
    def process_file(self) -> str:
        """How the deploy started the app (fleetctl.domain.RunningProcess, as JSON), beside its env file."""
        return f"{FLEET_ETC}/{self.name}.process.json"

    @property
    def runtime_state_file(self) -> str:
        """The cluster runtime's state (workers, their releases), in the unit's RuntimeDirectory."""
        return f"/run/{self.name}/{STATE_FILE_NAME}"
