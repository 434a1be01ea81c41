"""`fleetctl cache list` and `fleetctl cache prune` on a cache in a temporary state folder."""

import json
import os
import time

import pytest
from click.testing import CliRunner

from fleetctl.build.cache import ArtifactCache
from fleetctl.cli import main
from fleetctl.domain import Platform

X86 = Platform("linux", "x86_64", "glibc", "108")
ARM = Platform("linux", "aarch64", "glibc", "108")
MIB = 1024 * 1024


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> ArtifactCache:
    """Three entries, each 1 MiB: a resolved tree and two platforms' artifacts, oldest first."""
    monkeypatch.setenv("FLEETCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("FLEETCTL_ARTIFACT_CACHE_MB", raising=False)
    cache = ArtifactCache.configured()
    entries = [(cache.tree_key("1a2b3c4d5e6f"), "tree"), (cache.key("1a2b3c4d5e6f", X86), X86.key),
               (cache.key("1a2b3c4d5e6f", ARM), ARM.key)]
    for age, (key, platform) in zip((300, 200, 100), entries):
        cache.put(key, bytes(MIB), "1a2b3c4d5e6f", platform, ["hello-addon"])
        when = time.time() - age
        os.utime(cache.root / f"{key}.tar.gz", (when, when))
    return cache


def test_list_shows_every_entry_and_the_total(cache):
    result = invoke("cache", "list")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines if line.strip().startswith("1a2b3c4d5e6f")] == [
        ARM.key, X86.key, "resolved"]  # most recently used first
    assert "hello-addon" in result.stdout and "1.0 MiB" in result.stdout
    assert lines[-1] == f"3 entries, 3.0 MiB of 2048.0 MiB in {cache.root}"


def test_list_as_json(cache):
    result = invoke("cache", "list", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [entry["platform"] for entry in listed] == [ARM.key, X86.key, "tree"]
    assert listed[0] == {"key": cache.key("1a2b3c4d5e6f", ARM), "release": "1a2b3c4d5e6f", "platform": ARM.key,
                         "native": ["hello-addon"], "size": MIB, "last_used": listed[0]["last_used"]}


def test_prune_to_a_size_keeps_the_most_recently_used(cache):
    result = invoke("cache", "prune", "--max-mb", "2")
    assert result.exit_code == 0
    assert result.stdout == f"removed 1 entry (1.0 MiB); 2.0 MiB left in {cache.root}\n"
    assert [entry.platform for entry in cache.entries()] == [ARM.key, X86.key]
    assert invoke("cache", "prune", "--max-mb", "0").exit_code == 0
    assert cache.entries() == []


def test_prune_without_a_size_prunes_to_the_cap(cache, monkeypatch):
    monkeypatch.setenv("FLEETCTL_ARTIFACT_CACHE_MB", "1")
    result = invoke("cache", "prune")
    assert result.exit_code == 0 and result.stdout.startswith("removed 2 entries (2.0 MiB); 1.0 MiB left")
    assert invoke("cache", "prune").stdout.startswith("removed 0 entries (0.0 MiB); 1.0 MiB left")


def test_an_empty_cache_lists_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("FLEETCTL_STATE_DIR", str(tmp_path / "nothing-yet"))
    result = invoke("cache", "list")
    assert result.exit_code == 0 and result.stdout.splitlines()[-1].startswith("0 entries, 0.0 MiB of 2048.0 MiB")
    assert invoke("cache", "prune").exit_code == 0
    assert not (tmp_path / "nothing-yet").exists()  # looking creates nothing


@pytest.mark.parametrize("command", [["list"], ["prune"]])
def test_a_bad_cap_is_one_line_naming_the_variable_exit_2(tmp_path, monkeypatch, command):
    monkeypatch.setenv("FLEETCTL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("FLEETCTL_ARTIFACT_CACHE_MB", "2GB")
    result = invoke("cache", *command)
    assert result.exit_code == 2
    assert result.stderr == ("Error: FLEETCTL_ARTIFACT_CACHE_MB: must be a whole number of MiB (0 or more),"
                             " not '2GB'\n")


def test_a_negative_size_is_refused_by_the_option(cache):
    result = invoke("cache", "prune", "--max-mb", "-1")
    assert result.exit_code == 2 and "--max-mb" in result.stderr


def test_cache_is_a_fleetctl_command():
    result = invoke("--help")
    assert "cache" in result.stdout
