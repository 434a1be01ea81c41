"""A release: the app's source folder packed once per deploy, named by its content hash.

The archive is reproducible (sorted entries, fixed owner and times), so the same
folder always gives the same release id and a host that has it is skipped.
"""

import gzip
import hashlib
import io
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

# Never shipped: built on the host, or not part of the app.
EXCLUDED_NAMES = {"node_modules", ".git", ".fleetctl"}
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ReleaseError(Exception):
    pass


@dataclass(frozen=True)
class Release:
    id: str
    archive: bytes  # tar.gz of the app folder
    has_lockfile: bool  # package-lock.json: the host runs `npm ci --omit=dev`


def pack(source: Path, label: str | None = None) -> Release:
    """Pack an app folder; the id is the content hash unless a version label is given."""
    if not source.is_dir():
        raise ReleaseError(f"app source folder {source} does not exist")
    if label is not None and not LABEL_PATTERN.match(label):
        raise ReleaseError(f"release label {label!r} must be letters, digits, '.', '_' or '-' (at most 64)")
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in _files(source):
            tar.addfile(*_entry(source, path))
    archive = gzip.compress(tar_bytes.getvalue(), mtime=0)
    release_id = label or hashlib.sha256(tar_bytes.getvalue()).hexdigest()[:12]
    return Release(release_id, archive, (source / "package-lock.json").is_file())


def _files(source: Path) -> list[Path]:
    found = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part in EXCLUDED_NAMES for part in relative.parts):
            continue
        if path.is_symlink() or path.is_file() or path.is_dir():
            found.append(path)
    return found


def _entry(source: Path, path: Path) -> tuple[tarfile.TarInfo, io.BytesIO | None]:
    info = tarfile.TarInfo(path.relative_to(source).as_posix())
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


def releases_to_prune(releases_newest_first: list[str], current: str | None, previous: str | None, keep: int) -> list[str]:
    """Releases beyond the newest `keep`; the current and previous ones are never among them."""
    protected = {current, previous}
    return [release for release in releases_newest_first[keep:] if release not in protected]
