"""The artifact cache: keys, hits and misses, least recently used eviction under a cap, prune, two writers at once."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fleetctl.build.cache import ArtifactCache, configured_cap_mb
from fleetctl.build.errors import BuildInputError
from fleetctl.domain import Platform

X86 = Platform("linux", "x86_64", "glibc", "108")
ARM = Platform("linux", "aarch64", "glibc", "108")
KIB = 1024


def put(cache: ArtifactCache, release: str, platform: Platform | None, data: bytes, native=("addon",)) -> str:
    key = cache.key(release, platform)
    cache.put(key, data, release, platform.key if platform else "any", native)
    return key


def age(cache: ArtifactCache, key: str, seconds_ago: float) -> None:
    when = time.time() - seconds_ago
    os.utime(cache.root / f"{key}.tar.gz", (when, when))


def test_keys_are_the_release_and_the_platform():
    keys = {ArtifactCache.key("1a2b3c", X86), ArtifactCache.key("1a2b3c", ARM), ArtifactCache.key("1a2b3c", None),
            ArtifactCache.key("4d5e6f", X86), ArtifactCache.tree_key("1a2b3c")}
    assert len(keys) == 5 and all(len(key) == 64 for key in keys)
    assert ArtifactCache.key("1a2b3c", X86) == ArtifactCache.key("1a2b3c", Platform("linux", "x86_64", "glibc", "108"))
    assert ArtifactCache.key("1a2b3c", X86) != ArtifactCache.key("1a2b3c", Platform("linux", "x86_64", "musl", "108"))


def test_a_miss_then_a_hit_that_counts_as_a_use(tmp_path):
    cache = ArtifactCache(tmp_path / "artifacts", 10 * KIB)
    key = cache.key("r1", X86)
    assert cache.get(key) is None and not cache.has(key)
    put(cache, "r1", X86, b"built for x86")
    age(cache, key, 600)
    assert cache.has(key)
    assert cache.entries()[0].last_used < time.time() - 500  # has() only looks
    assert cache.get(key) == b"built for x86"
    [entry] = cache.entries()
    assert entry.last_used > time.time() - 60
    assert (entry.release, entry.platform, entry.native, entry.size) == ("r1", X86.key, ("addon",), 13)


def test_the_least_recently_used_go_when_a_put_passes_the_cap(tmp_path):
    cache = ArtifactCache(tmp_path, 3 * KIB)
    first = put(cache, "r1", X86, b"a" * KIB)
    second = put(cache, "r1", ARM, b"b" * KIB)
    third = put(cache, "r2", X86, b"c" * KIB)
    age(cache, first, 300)
    age(cache, second, 200)
    age(cache, third, 100)
    cache.get(first)  # used again: now the most recent
    fourth = put(cache, "r2", ARM, b"d" * KIB)
    assert {entry.key for entry in cache.entries()} == {first, third, fourth}
    assert cache.get(second) is None
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"{key}{suffix}" for key in (first, third, fourth) for suffix in (".tar.gz", ".json"))


def test_an_entry_alone_larger_than_the_cap_is_not_kept(tmp_path):
    cache = ArtifactCache(tmp_path, KIB)
    small = put(cache, "r1", X86, b"a" * 100)
    put(cache, "r1", ARM, b"b" * (2 * KIB))
    assert [entry.key for entry in cache.entries()] == []
    assert cache.get(small) is None


def test_the_entry_just_put_outlasts_older_ones_whatever_the_clock_says(tmp_path):
    cache = ArtifactCache(tmp_path, KIB)
    old = put(cache, "r1", X86, b"a" * 600)
    # A clock that stepped back (or one too coarse to tell them apart): the old entry looks as recent.
    later = time.time() + 3600
    os.utime(tmp_path / f"{old}.tar.gz", (later, later))
    new = put(cache, "r1", ARM, b"b" * 600)
    assert [entry.key for entry in cache.entries()] == [new]


def test_prune_to_a_size_and_to_nothing(tmp_path):
    cache = ArtifactCache(tmp_path, 100 * KIB)
    keys = [put(cache, f"r{number}", X86, bytes(KIB)) for number in range(5)]
    for number, key in enumerate(keys):
        age(cache, key, 100 - number)
    removed = cache.prune(2 * KIB)
    assert [entry.key for entry in removed] == keys[:3]
    assert [entry.key for entry in cache.entries()] == [keys[4], keys[3]] and cache.size() == 2 * KIB
    cache.prune(0)
    assert cache.entries() == [] and list(tmp_path.iterdir()) == []


def test_prune_clears_what_a_dead_writer_left_but_not_a_live_one(tmp_path):
    cache = ArtifactCache(tmp_path, 100 * KIB)
    kept = put(cache, "r1", X86, b"x")
    abandoned = [tmp_path / ".dead.tar.gz.x1.tmp", tmp_path / f"{'d' * 64}.json"]
    in_flight = [tmp_path / ".live.tar.gz.x2.tmp", tmp_path / f"{'e' * 64}.json"]
    for path in abandoned + in_flight:
        path.write_text("{}")
    for path in abandoned:
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    cache.prune(100 * KIB)
    assert not any(path.exists() for path in abandoned)
    assert all(path.exists() for path in in_flight) and cache.get(kept) == b"x"


def test_a_release_remembers_whether_its_tree_is_native(tmp_path):
    cache = ArtifactCache(tmp_path, 100 * KIB)
    assert cache.native_of("r1") is None
    put(cache, "r1", None, b"portable", native=())
    put(cache, "r2", X86, b"native", native=("bcrypt", "sharp"))
    assert cache.native_of("r1") == () and cache.native_of("r2") == ("bcrypt", "sharp")


WRITER = """
import sys
from pathlib import Path
from fleetctl.build.cache import ArtifactCache
cache = ArtifactCache(Path(sys.argv[1]), 40 * 1024)
for round in range(60):
    number = round % 12
    key = ArtifactCache.key(f"r{number}", None)
    payload = (key.encode() * 200)[: 1024 * (1 + number % 4)]  # every writer writes the same bytes for a key
    cache.put(key, payload, f"r{number}", "any", [])
    got = cache.get(ArtifactCache.key(f"r{(number + 5) % 12}", None))
    if got is not None and got != (ArtifactCache.key(f"r{(number + 5) % 12}", None).encode() * 200)[: len(got)]:
        sys.exit("a reader saw a torn entry")
"""


def test_two_fleetctl_processes_share_the_cache(tmp_path):
    root = tmp_path / "artifacts"
    repo = Path(__file__).resolve().parents[3]
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(root)], cwd=repo, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
    cache = ArtifactCache(root, 40 * KIB)
    entries = cache.entries()
    assert entries and cache.size() <= 40 * KIB + 2 * 4 * KIB  # each writer's last put may race the other's eviction
    for entry in entries:
        data = cache.get(entry.key)
        assert data == (entry.key.encode() * 200)[: len(data)] and len(data) == entry.size
    assert not [path for path in root.iterdir() if path.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize("value, mb", [(None, 2048), ("", 2048), ("512", 512), ("0", 0)])
def test_the_cap_comes_from_the_environment(monkeypatch, value, mb):
    if value is None:
        monkeypatch.delenv("FLEETCTL_ARTIFACT_CACHE_MB", raising=False)
    else:
        monkeypatch.setenv("FLEETCTL_ARTIFACT_CACHE_MB", value)
    assert configured_cap_mb() == mb


@pytest.mark.parametrize("value", ["2G", "-1", "1.5"])
def test_a_bad_cap_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("FLEETCTL_ARTIFACT_CACHE_MB", value)
    with pytest.raises(BuildInputError, match=rf"^FLEETCTL_ARTIFACT_CACHE_MB: must be a whole number of MiB \(0 or more\), not '{value}'$"):
        configured_cap_mb()


def test_the_configured_cache_is_in_the_state_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("FLEETCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FLEETCTL_ARTIFACT_CACHE_MB", "64")
    cache = ArtifactCache.configured()
    assert (cache.root, cache.max_bytes) == (tmp_path / "state" / "artifacts", 64 * 1024 * 1024)
