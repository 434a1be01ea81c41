"""Reproducible tar.gz archives of folders: a release (the app's source) and an artifact (the app with node_modules).

Entries are sorted and have a fixed owner and time, so the same folder always
gives the same bytes, and a release's id is the hash of its source.
"""

import gzip
import hashlib
import io
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

# Never part of what is shipped.
NOT_SHIPPED = frozenset({".git", ".fleetctl"})
# Not part of a release's source either: the dependencies are installed from the lockfile.
NOT_SOURCE = NOT_SHIPPED | {"node_modules"}
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ReleaseError(Exception):
    pass


@dataclass(frozen=True)
class Release:
    id: str  # the version label, else the content hash
    archive: bytes  # tar.gz of the app's source folder
    digest: str  # the content hash, label or not: what the artifact cache is keyed on


def pack(source: Path, label: str | None = None) -> Release:
    """Pack an app's source folder (no node_modules); the id is the content hash unless a version label is given."""
    if not source.is_dir():
        raise ReleaseError(f"app source folder {source} does not exist")
    if label is not None and not LABEL_PATTERN.match(label):
        raise ReleaseError(f"release label {label!r} must be letters, digits, '.', '_' or '-' (at most 64)")
    tar_bytes = _tar(source, NOT_SOURCE)
    digest = hashlib.sha256(tar_bytes).hexdigest()[:12]
    return Release(label or digest, gzip.compress(tar_bytes, mtime=0), digest)


def pack_tree(folder: Path) -> bytes:
    """The app with its node_modules as one reproducible tar.gz: an artifact, or a resolved tree."""
    return gzip.compress(_tar(folder, NOT_SHIPPED), mtime=0)


def unpack(archive: bytes, destination: Path) -> None:
    """Unpack a tar.gz into destination; nothing in it may point or land outside (tarfile's data filter)."""
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        tar.extractall(destination, filter="data")


def _tar(folder: Path, excluded: frozenset[str]) -> bytes:
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in _files(folder, excluded):
            tar.addfile(*_entry(folder, path))
    return tar_bytes.getvalue()


def _files(folder: Path, excluded: frozenset[str]) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):  # a link to a folder is an entry, never followed
        relative = path.relative_to(folder)
        if any(part in excluded for part in relative.parts):
            continue
        if path.is_symlink() or path.is_file() or path.is_dir():
            found.append(path)
    return found


def _entry(folder: Path, path: Path) -> tuple[tarfile.TarInfo, io.BytesIO | None]:
    info = tarfile.TarInfo(path.relative_to(folder).as_posix())
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "root", "root"
    if path.is_symlink():
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, str(path.readlink()), 0o777
        return info, None
    if path.is_dir():
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        return info, None
    data = path.read_bytes()
    info.size = len(data)
    info.mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
    return info, io.BytesIO(data)
