"""What a deploy changes on one host, built as data before anything runs.

`host_changes` is pure: the app, the decision, the rendered files, the release
and the host's current state in; the list of steps out. `fleetctl plan` prints
these steps and `fleetctl deploy` runs exactly them. Every command is an
argument list; a file's content is never shown when it may hold secrets.
"""

import hashlib
from dataclasses import dataclass, field

from fleetctl.deploy.diffs import FileDiff, unified
from fleetctl.deploy.hoststate import HostState
from fleetctl.domain import Activation, Mode, ReleaseAction
from fleetctl.inventory import AppSpec
from fleetctl.policy import Decision
from fleetctl.inventory.app import FLEET_ETC
from fleetctl.remote import script
from fleetctl.runtime import INSTALLED_RUNTIME_DIR, INSTALLED_RUNTIME_PATH, INSTALLED_SHIM_PATH
from fleetctl.transport import quote_command


STEP_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Command:
    summary: str
    argv: tuple[str, ...]
    script: str | None = None  # when set, sent to `sh -s` and argv are its $1, $2, ...
    timeout: float = STEP_TIMEOUT_S

    def display(self) -> str:
        if self.script is None:
            return quote_command(list(self.argv))
        return f"sh -s {quote_command(list(self.argv))}"


@dataclass(frozen=True)
class WriteFile:
    summary: str
    path: str
    content: bytes = field(repr=False)
    mode: int = 0o644
    secret: bool = False

    def display(self) -> str:
        what = "secret content" if self.secret else "content"
        return f"write {self.path} (mode {self.mode:04o}, {len(self.content)} bytes of {what})"


Step = Command | WriteFile


@dataclass(frozen=True)
class DesiredState:
    """What the host should run after the deploy."""

    app: AppSpec
    decision: Decision
    release_id: str
    archive: bytes | None  # the complete release for the host's platform; None: it must be on the host already
    unit: str
    socket_unit: str | None  # the socket unit holding the app's port; None: no socket unit (fleet_app_socket false)
    process: str  # the process file: how the unit starts the app (RunningProcess as JSON)
    env: str
    runtime: bytes
    shim: bytes  # the socket shim, which a single process with a socket and the cluster runtime load
    role_files: tuple = ()  # RenderedFile: what the host's roles render onto it

    @property
    def uses_shim(self) -> bool:
        return self.decision.mode is Mode.CLUSTER or self.socket_unit is not None


@dataclass(frozen=True)
class HostChanges:
    prepare: tuple[Step, ...]  # before the switch: nothing the running app sees
    switch: tuple[Step, ...]
    activation: Activation
    activate: tuple[Step, ...]
    release_action: ReleaseAction
    unit_diff: str
    files: tuple[Step, ...] = ()  # the roles' files and their on_change, after prepare, before the switch
    diffs: tuple[FileDiff, ...] = ()  # every file it writes against the host's (plan reads them: fleetctl.plan)

    @property
    def unchanged(self) -> bool:
        return not (self.prepare or self.files or self.switch or self.activate)

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.prepare + self.files + self.switch + self.activate


def sha256_text(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def host_marker(state: HostState) -> str:
    """One line naming what the host's files call for now: release, env file and unit (by their
    hashes), for a clustered app the runtime (a single process does not run the shared runtime),
    the socket unit, and the shim when the app loads it."""
    clustered = state.clustered
    return " ".join((
        state.current or "-", state.env_sha256 or "-", sha256_text(state.unit) if state.unit else "-",
        (state.runtime_sha256 or "-") if clustered else "-",
        sha256_text(state.socket_unit) if state.socket_unit else "-",
        (state.shim_sha256 or "-") if clustered or state.socket_unit else "-",
    ))


_SOCKET_FIELD = 4  # of host_marker's fields


def mark_activated_command(app: AppSpec, marker: str) -> Command:
    return Command("record the running release", (app.root, marker), script=script("mark-activated.sh"))


def _pending_activation(state: HostState) -> tuple[bool, bool, bool]:
    """(release pending, process files pending, socket unit pending): what an interrupted deploy
    switched or wrote but never started and checked. Unknown (not read) means nothing pending."""
    if state.activated is None or not state.installed:
        return False, False, False
    if state.activated == "":
        return True, False, False  # installed, never recorded as started and healthy
    recorded = state.activated.split()
    now = host_marker(state).split()
    socket = slice(_SOCKET_FIELD, _SOCKET_FIELD + 1)
    return recorded[:1] != now[:1], recorded[1:] != now[1:], recorded[socket] != now[socket]


def host_changes(desired: DesiredState, state: HostState, previous_after: str | None = None,
                 files: tuple[Step, ...] = ()) -> HostChanges:
    """The steps that take a host from `state` to `desired`, and only those.

    previous_after: what `previous` should point at after the switch; by default
    the release that was current (a deploy), a rollback passes its own.
    files: the steps for the roles' files (fleetctl.deploy.files.file_steps);
    a rollback passes none: it returns the app, not the roles.
    """
    app, decision = desired.app, desired.decision
    prepare: list[Step] = []
    if not state.user_exists:
        prepare.append(Command(f"create system user {app.user}", (
            "useradd", "--system", "--user-group", "--no-create-home", "--home-dir", app.root,
            "--shell", "/usr/sbin/nologin", app.user)))
    if not state.installed:
        prepare.append(Command("create the app's folders", (
            "install", "-d", "-m", "0755", app.root, app.releases_dir, FLEET_ETC, INSTALLED_RUNTIME_DIR)))
        prepare.append(Command(f"create {app.shared}, writable by {app.user}", (
            "install", "-d", "-m", "0750", "-o", app.user, "-g", app.group, app.shared)))
    runtime_changed = decision.mode is Mode.CLUSTER and state.runtime_sha256 != sha256_text(desired.runtime)
    if runtime_changed:
        prepare.append(WriteFile("install the cluster runtime", INSTALLED_RUNTIME_PATH, desired.runtime, 0o644))
    shim_changed = desired.uses_shim and state.shim_sha256 != sha256_text(desired.shim)
    if shim_changed:
        prepare.append(WriteFile("install the socket shim", INSTALLED_SHIM_PATH, desired.shim, 0o644))
    release_present = desired.release_id in state.releases
    if not release_present:
        if desired.archive is None:
            raise ValueError(f"release {desired.release_id} is not on the host and there is nothing to upload")
        prepare.append(WriteFile(f"upload release {desired.release_id}",
                                 f"{app.releases_dir}/.{desired.release_id}.tar.gz", desired.archive, 0o600))
        prepare.append(Command(f"unpack release {desired.release_id}", (
            app.releases_dir, desired.release_id, app.shared),
            script=script("unpack-release.sh")))
    env_changed = state.env_sha256 != sha256_text(desired.env)
    if env_changed:
        prepare.append(WriteFile(f"write {app.env_file}", app.env_file, desired.env.encode(), 0o600, secret=True))
    socket_changed = state.socket_unit != desired.socket_unit
    socket_installed = socket_changed and desired.socket_unit is not None
    socket_removed = socket_changed and desired.socket_unit is None
    if socket_installed:
        prepare.append(WriteFile(f"write {app.socket_unit_name}", app.socket_unit_path,
                                 desired.socket_unit.encode(), 0o644))
    unit_changed = state.unit != desired.unit
    if unit_changed:
        prepare.append(WriteFile(f"write {app.unit_name}", app.unit_path, desired.unit.encode(), 0o644))
    if unit_changed or socket_installed:
        prepare.append(Command("reload systemd's units", ("systemctl", "daemon-reload")))
    if socket_removed:
        # After the daemon-reload: the service no longer Requires= the socket, so stopping it leaves the
        # running app (which still holds the port) alone until the restart.
        prepare.extend(remove_socket_unit_commands(app))
    if state.process != desired.process:  # read by fleetctl only: it never needs a restart
        prepare.append(WriteFile(f"write {app.process_file}", app.process_file, desired.process.encode(), 0o644))
    if not state.enabled:
        prepare.append(Command(f"enable {app.unit_name}", ("systemctl", "enable", "--quiet", app.unit_name)))
    if desired.socket_unit is not None and not state.socket_enabled:
        prepare.append(Command(f"enable {app.socket_unit_name}",
                               ("systemctl", "enable", "--quiet", app.socket_unit_name)))

    switch: list[Step] = []
    if state.current != desired.release_id:
        previous = previous_after if previous_after is not None else (state.current or "")
        switch.append(Command(f"switch current to {desired.release_id}", (
            app.root, desired.release_id, previous), script=script("switch-current.sh")))

    release_pending, files_pending, socket_pending = _pending_activation(state)
    # A new or changed socket unit (another port, say) takes effect only when the socket restarts.
    restart_socket = desired.socket_unit is not None and (
        socket_installed or socket_pending or state.socket_active != "active")
    activation = _activation(decision, state, bool(switch) or release_pending,
                             unit_changed or env_changed or runtime_changed or shim_changed or socket_changed
                             or files_pending or restart_socket)
    activate = () if activation is Activation.NONE else (activate_command(app, activation, restart_socket),)
    return HostChanges(
        prepare=tuple(prepare),
        switch=tuple(switch),
        activation=activation,
        activate=activate,
        release_action=(ReleaseAction.UPLOAD if not release_present
                        else ReleaseAction.SWITCH if switch else ReleaseAction.NONE),
        unit_diff=unit_diff(app, state.unit, desired.unit, state.socket_unit, desired.socket_unit),
        files=files,
    )


def _activation(decision: Decision, state: HostState, switched: bool, process_changed: bool) -> Activation:
    """A clustered app whose unit, environment and runtime are unchanged reloads with
    zero downtime; anything else that changed, or a service not running, restarts."""
    if state.active != "active":
        return Activation.RESTART
    if process_changed:
        return Activation.RESTART
    if not switched:
        return Activation.NONE
    return Activation.RELOAD if decision.mode is Mode.CLUSTER else Activation.RESTART


def activate_command(app: AppSpec, activation: Activation, restart_socket: bool = False) -> Command:
    """systemctl restart or reload; waited for at least as long as systemd allows it (fleet_stop_timeout,
    fleet_reload_timeout), so fleetctl never gives up on what systemd still lets run."""
    if activation is Activation.RESTART:
        # A deploy's restart is not a crash: clear the unit's start rate limit first, or the
        # sixth deploy within StartLimitIntervalSec fails with start-limit-hit. The socket unit
        # restarts only when it must (new, changed or not running): that closes the port for a moment.
        timeout = max(STEP_TIMEOUT_S, app.stop_timeout + 60)
        if restart_socket:
            return Command(f"restart {app.socket_unit_name} and {app.unit_name}",
                           (app.unit_name, app.socket_unit_name), script=script("restart-unit.sh"), timeout=timeout)
        return Command(f"restart {app.unit_name}", (app.unit_name,), script=script("restart-unit.sh"), timeout=timeout)
    return Command(f"{activation} {app.unit_name}", ("systemctl", activation.value, app.unit_name),
                   timeout=max(STEP_TIMEOUT_S, app.reload_timeout + 60))


def remove_socket_unit_commands(app: AppSpec) -> tuple[Command, ...]:
    return (
        Command(f"stop and disable {app.socket_unit_name}",
                ("systemctl", "disable", "--now", "--quiet", app.socket_unit_name)),
        Command(f"remove {app.socket_unit_path}", ("rm", "-f", "--", app.socket_unit_path)),
        Command("reload systemd's units", ("systemctl", "daemon-reload")),
    )


def unit_diff(app: AppSpec, installed: str | None, desired: str, installed_socket: str | None = None,
              desired_socket: str | None = None) -> str:
    """The unified diff of the service unit, then of the socket unit."""
    return unified(app.unit_path, installed, desired) + unified(app.socket_unit_path, installed_socket, desired_socket)


def prune_command(app: AppSpec, releases: list[str]) -> Command:
    return Command(f"remove {len(releases)} old release(s)",
                   ("rm", "-rf", "--", *(app.release_dir(release) for release in releases)))


def undo_first_deploy_command(app: AppSpec, release_id: str, created_user: bool) -> Command:
    """What takes a failed first deploy back: the host as it was before it (see undo-first-deploy.sh)."""
    return Command("remove what the failed first deploy installed", (
        app.unit_name, app.unit_path, app.process_file, app.env_file, app.root, release_id, app.user,
        "yes" if created_user else "no", app.socket_unit_name, app.socket_unit_path),
        script=script("undo-first-deploy.sh"))
