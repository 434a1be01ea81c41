"""Role files on a host: what is there now (read in one exec), and the steps that bring it to what was rendered.

Change detection is by content hash, owner, group and mode, as Ansible's
template module does; content is never shown (a template may hold secrets).
A role's on_change command (its handler) runs once, after its files, and only
when one of them changed. What a deploy is about to change is kept first
(read_previous), so that a rollback can put it back (restore_steps).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from fleetctl.deploy.steps import Command, Step, WriteFile, sha256_text
from fleetctl.remote import script
from fleetctl.roles.render import RenderedFile
from fleetctl.transport import Transport, TransportError


@dataclass(frozen=True)
class PreviousFile:
    """A role file as it was before a deploy changed it, to put it back."""

    role: str
    path: str
    content: bytes | None = field(repr=False)  # None: there was no such file
    owner: str | None
    group: str | None
    mode: int | None
    on_change: object = None  # the role's handler (a Command), run once the files are back


@dataclass(frozen=True)
class FileState:
    sha256: str | None  # None: no such file
    owner: str | None
    group: str | None
    mode: int | None
    folder_exists: bool = True


def read_file_states(transport: Transport, paths: Sequence[str]) -> dict[str, FileState]:
    if not paths:
        return {}
    result = transport.run(list(paths), script=script("files-state.sh"), timeout=60)
    if not result.ok:
        raise TransportError(f"{transport.name}: cannot read role files: "
                             f"{(result.stderr.strip().splitlines() or [f'exit code {result.exit_code}'])[-1]}")
    return parse_file_states(result.stdout)


def changed_files(files: Sequence[RenderedFile], states: dict[str, FileState]) -> list[RenderedFile]:
    """The rendered files whose content, owner, group or mode differ from the host's."""
    changed = []
    for rendered in files:
        state = states.get(rendered.path, FileState(None, None, None, None, folder_exists=False))
        if (state.sha256 != sha256_text(rendered.content) or state.mode != rendered.mode
                or (state.owner, state.group) != (rendered.owner, rendered.group)):
            changed.append(rendered)
    return changed


def read_previous(transport: Transport, files: Sequence[RenderedFile],
                  states: dict[str, FileState]) -> tuple[PreviousFile, ...]:
    """What the files a deploy is about to change are now (their bytes read through sudo where needed)."""
    previous = []
    for rendered in changed_files(files, states):
        state = states.get(rendered.path)
        content = transport.get(rendered.path) if state is not None and state.sha256 is not None else None
        previous.append(PreviousFile(rendered.role, rendered.path, content, state.owner if state else None,
                                     state.group if state else None, state.mode if state else None,
                                     rendered.on_change))
    return tuple(previous)


def restore_steps(previous: Sequence[PreviousFile]) -> tuple[Step, ...]:
    """Pure: the steps that put files back as they were (a file that was not there is removed), then each
    role's on_change once."""
    steps: list[Step] = []
    handlers: list[tuple[str, object]] = []
    for file in previous:
        if file.content is None:
            steps.append(Command(f"remove {file.path} (role {file.role}; it was not there before)",
                                 ("rm", "-f", "--", file.path)))
        else:
            steps.append(WriteFile(f"restore {file.path} (role {file.role})", file.path, file.content,
                                   file.mode if file.mode is not None else 0o644, secret=True))
            steps.append(Command(f"give {file.path} back its owner (role {file.role})",
                                 ("chown", f"{file.owner}:{file.group}", file.path)))
        if file.on_change is not None and (file.role, file.on_change) not in handlers:
            handlers.append((file.role, file.on_change))
    for role, command in handlers:
        argv = ("sh", "-c", command) if isinstance(command, str) else tuple(command)
        steps.append(Command(f"on_change of role {role}", argv))
    return tuple(steps)


def read_texts(transport: Transport, paths: Sequence[str]) -> dict[str, str]:
    """The text of each file on the host (read as root with become), for a diff; one that cannot be read is
    left out. Only for files a plan compares: it never prints them whole, and masks what is secret."""
    texts = {}
    for path in paths:
        result = transport.run(["cat", "--", path], timeout=60)
        if result.ok:
            texts[path] = result.stdout
    return texts


def parse_file_states(raw: str) -> dict[str, FileState]:
    states = {}
    for line in raw.splitlines():
        parts = line.split(" ", 4)
        if len(parts) != 5:
            continue
        first, owner, group, mode, path = parts
        if first == "missing":
            states[path] = FileState(None, None, None, None, folder_exists=owner == "dir")
        else:
            states[path] = FileState(first, owner, group, int(mode, 8))
    return states


def file_steps(files: Sequence[RenderedFile], states: dict[str, FileState]) -> tuple[Step, ...]:
    """Pure: the steps that make each file what was rendered, then each changed role's on_change."""
    steps: list[Step] = []
    handlers: list[tuple[str, object]] = []
    for rendered in files:
        state = states.get(rendered.path, FileState(None, None, None, None, folder_exists=False))
        before = len(steps)
        written = state.sha256 != sha256_text(rendered.content)
        if written:
            if not state.folder_exists:
                folder = rendered.path.rsplit("/", 1)[0] or "/"
                steps.append(Command(f"create {folder} (role {rendered.role})", ("install", "-d", "-m", "0755", folder)))
            steps.append(WriteFile(f"write {rendered.path} (role {rendered.role})", rendered.path,
                                   rendered.content, rendered.mode, secret=rendered.secret))
        elif state.mode != rendered.mode:
            steps.append(Command(f"set the mode of {rendered.path} (role {rendered.role})",
                                 ("chmod", format(rendered.mode, "04o"), rendered.path)))
        # A written file belongs to root (the write runs with become) until it is given its owner.
        owner_now = ("root", "root") if written else (state.owner, state.group)
        if owner_now != (rendered.owner, rendered.group):
            steps.append(Command(f"set the owner of {rendered.path} (role {rendered.role})",
                                 ("chown", f"{rendered.owner}:{rendered.group}", rendered.path)))
        changed = len(steps) > before
        if changed and rendered.on_change is not None and (rendered.role, rendered.on_change) not in handlers:
            handlers.append((rendered.role, rendered.on_change))
    for role, command in handlers:
        argv = ("sh", "-c", command) if isinstance(command, str) else tuple(command)
        steps.append(Command(f"on_change of role {role}", argv))
    return tuple(steps)
