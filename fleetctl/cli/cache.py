"""`fleetctl cache list` and `fleetctl cache prune`: the artifacts built on this machine, and their cap."""

import json
import time

import click

from fleetctl.build.cache import MIB, TREE, ArtifactCache, CacheEntry
from fleetctl.cli.common import bad_input, out
from fleetctl.errors import InputError


def _cache() -> ArtifactCache:
    """The configured cache, or exit 2 naming the variable that is wrong."""
    try:
        return ArtifactCache.configured()
    except InputError as error:
        raise bad_input(str(error)) from None


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB"


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


@click.group("cache")
def cache_group() -> None:
    """The artifact cache: releases built here per platform (.fleetctl/artifacts, or FLEETCTL_STATE_DIR's).

    Its size is capped by FLEETCTL_ARTIFACT_CACHE_MB (MiB, default 2048); the least recently used
    entries go first.
    """


@cache_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON, most recently used first.")
def list_command(as_json: bool) -> None:
    """Show the cached artifacts and resolved trees, most recently used first."""
    cache = _cache()
    entries = cache.entries()
    if as_json:
        click.echo(json.dumps([_entry_json(entry) for entry in entries], indent=2))
        return
    out().print(_table(entries))
    out().print(f"{_entries(len(entries))}, {_mib(sum(entry.size for entry in entries))} of"
                f" {_mib(cache.max_bytes)} in {cache.root}", markup=False, highlight=False)


@cache_group.command("prune")
@click.option("--max-mb", type=click.IntRange(min=0), default=None, metavar="N",
              help="Keep at most N MiB, the most recently used (default: the cap; 0 empties the cache).")
def prune_command(max_mb: int | None) -> None:
    """Remove the least recently used entries until the rest fit in N MiB."""
    cache = _cache()
    removed = cache.prune(cache.max_bytes if max_mb is None else max_mb * MIB)
    out().print(f"removed {_entries(len(removed))} ({_mib(sum(entry.size for entry in removed))});"
                f" {_mib(cache.size())} left in {cache.root}", markup=False, highlight=False)


def _entry_json(entry: CacheEntry) -> dict:
    return {"key": entry.key, "release": entry.release, "platform": entry.platform, "native": list(entry.native),
            "size": entry.size, "last_used": entry.last_used}


def _table(entries: list[CacheEntry]):
    from rich import box
    from rich.table import Table

    table = Table(title="fleetctl cache", title_justify="left", box=box.SIMPLE_HEAD)
    for header in ("release", "platform", "native addons", "size", "last used", "key"):
        table.add_column(header, no_wrap=True)
    for entry in entries:
        platform = "resolved tree, not built" if entry.platform == TREE else entry.platform
        table.add_row(entry.release, platform, ", ".join(entry.native) or "-", _mib(entry.size),
                      _when(entry.last_used), entry.key[:12])
    return table
