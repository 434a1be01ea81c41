"""The app a host runs, from its fleet_app_* variables, and where it lives on the host."""

from dataclasses import dataclass

from fleetctl.inventory.errors import InventoryError

FLEET_ETC = "/etc/fleet"
APPS_ROOT = "/opt"


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


def app_spec(host) -> AppSpec:
    """The AppSpec of an inventory Host (its vars were validated at load time)."""
    variables = host.vars
    name = variables.get("fleet_app_name")
    if not name:
        raise InventoryError(f"host {host.name}: fleet_app_name is not set")
    return AppSpec(
        name=name,
        user=variables.get("fleet_app_user") or name,
        entry=variables["fleet_app_entry"],
        port=variables["fleet_app_port"],
        health_path=variables["fleet_app_health_path"],
        writable_paths=tuple(variables["fleet_app_writable_paths"]),
        env=tuple(sorted(variables["fleet_app_env"].items())),
        src=variables.get("fleet_app_src"),
    )
