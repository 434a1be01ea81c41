"""The artifact cache on the control machine: what was built (and resolved) is never built again.

Each entry is two files in one folder: KEY.tar.gz, the archive, and KEY.json,
what it is (release, platform, the tree's native packages). An artifact's key
is the sha256 of its release's content digest and its platform ("any" for a
portable tree); a resolved tree, not yet built, has one of its own, so a deploy
after a plan runs npm ci no more. Every entry also records whether its release's
tree is native: while any of a release's entries is cached, a plan learns that
without npm.

Files are written to a temporary name in the folder and renamed into place, the
description before the archive: two fleetctl processes can share the cache, and
a reader finds a whole entry or none. A file's modification time is when it
was last used; when a put passes the size cap, the least recently used go.
"""

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fleetctl.build.errors import BuildInputError
from fleetctl.domain import Platform
from fleetctl.resources import state_dir

CAP_VARIABLE = "FLEETCTL_ARTIFACT_CACHE_MB"
DEFAULT_CAP_MB = 2048
MIB = 1024 * 1024
ANY = "any"  # the platform word of a portable tree's one artifact
TREE = "tree"  # the platform word of a resolved tree, before any build
ARCHIVE_SUFFIX, ABOUT_SUFFIX = ".tar.gz", ".json"
# A temporary file, or a description without its archive, older than this was left by a process that died.
ABANDONED_AFTER_S = 3600.0


@dataclass(frozen=True)
class CacheEntry:
    key: str
    release: str  # the release's content digest
    platform: str  # a platform key, "any", or "tree"
    native: tuple[str, ...]  # the packages that make the release's tree native; empty: portable
    size: int  # bytes of the archive
    last_used: float  # seconds since the epoch


class ArtifactCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    @classmethod
    def configured(cls) -> "ArtifactCache":
        """The cache in fleetctl's state folder, capped by FLEETCTL_ARTIFACT_CACHE_MB (MiB, default 2048)."""
        return cls(state_dir() / "artifacts", configured_cap_mb() * MIB)

    @staticmethod
    def key(release: str, platform: Platform | None) -> str:
        """An artifact's key: its release's content digest and its platform (None: the portable tree's one)."""
        return _digest(release, platform.key if platform else ANY)

    @staticmethod
    def tree_key(release: str) -> str:
        """The key of a release's resolved tree (its dependencies installed, nothing built)."""
        return _digest(release, TREE)

    def get(self, key: str) -> bytes | None:
        """The archive, or None; a hit counts as a use."""
        path = self._archive(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            os.utime(path)
        except FileNotFoundError:
            pass  # evicted by another process after we read it: what we read is whole
        return data

    def has(self, key: str) -> bool:
        """Whether the entry is there, without counting a use (a plan only looks)."""
        return self._archive(key).is_file()

    def put(self, key: str, data: bytes, release: str, platform: str, native: Sequence[str]) -> None:
        """Store an entry atomically, then evict the least recently used until the cache fits its cap."""
        self.root.mkdir(parents=True, exist_ok=True)
        about = {"release": release, "platform": platform, "native": list(native)}
        self._write(self._about(key), (json.dumps(about, sort_keys=True) + "\n").encode())
        self._write(self._archive(key), data)
        self.prune(self.max_bytes, last=key)

    def native_of(self, release: str) -> tuple[str, ...] | None:
        """What any cached entry of the release recorded of its tree: its native packages (empty: portable),
        or None when nothing of the release is cached."""
        for entry in self.entries():
            if entry.release == release:
                return entry.native
        return None

    def entries(self) -> list[CacheEntry]:
        """Every whole entry, most recently used first."""
        found = []
        for path in self.root.glob(f"*{ARCHIVE_SUFFIX}"):
            key = path.name.removesuffix(ARCHIVE_SUFFIX)
            try:
                stat = path.stat()
                about = json.loads(self._about(key).read_text())
                found.append(CacheEntry(key, str(about["release"]), str(about["platform"]),
                                        tuple(about["native"]), stat.st_size, stat.st_mtime))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # removed meanwhile, or not ours
        return sorted(found, key=lambda entry: (-entry.last_used, entry.key))

    def size(self) -> int:
        return sum(entry.size for entry in self.entries())

    def prune(self, max_bytes: int, last: str | None = None) -> list[CacheEntry]:
        """Evict the least recently used entries until the archives fit in max_bytes; return what went.
        The entry `last` (just put) goes only if it alone passes the cap, whatever the clock's resolution.
        Also clears what a process that died while writing left behind."""
        entries = self.entries()
        total = sum(entry.size for entry in entries)
        removed = []
        # Least recently used first.
        for entry in sorted(reversed(entries), key=lambda entry: entry.key == last):
            if total <= max_bytes:
                break
            self._remove(entry.key)
            total -= entry.size
            removed.append(entry)
        self._clear_abandoned()
        return removed

    def _remove(self, key: str) -> None:
        # The archive first: a description alone is no entry.
        self._archive(key).unlink(missing_ok=True)
        self._about(key).unlink(missing_ok=True)

    def _clear_abandoned(self) -> None:
        if not self.root.is_dir():
            return
        old = time.time() - ABANDONED_AFTER_S
        for path in self.root.iterdir():
            abandoned = path.name.startswith(".") or (
                path.name.endswith(ABOUT_SUFFIX) and not self._archive(path.name.removesuffix(ABOUT_SUFFIX)).exists())
            try:
                if abandoned and path.stat().st_mtime < old:
                    path.unlink()
            except FileNotFoundError:
                pass

    def _write(self, path: Path, data: bytes) -> None:
        descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _archive(self, key: str) -> Path:
        return self.root / f"{key}{ARCHIVE_SUFFIX}"

    def _about(self, key: str) -> Path:
        return self.root / f"{key}{ABOUT_SUFFIX}"


def configured_cap_mb() -> int:
    """FLEETCTL_ARTIFACT_CACHE_MB, a whole number of MiB (0 keeps nothing); a bad value is bad input."""
    value = os.environ.get(CAP_VARIABLE, "").strip()
    if not value:
        return DEFAULT_CAP_MB
    if not value.isdigit():
        raise BuildInputError(f"must be a whole number of MiB (0 or more), not {value!r}", CAP_VARIABLE)
    return int(value)


def _digest(release: str, platform: str) -> str:
    return hashlib.sha256(f"{release}\n{platform}".encode()).hexdigest()
