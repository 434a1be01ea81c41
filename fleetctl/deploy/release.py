"""A release on a host: which releases to prune.

Packing moved to fleetctl.build.archive (the build packs releases and their
artifacts the same way); pack, Release and ReleaseError are still importable
from here until the plan and deploy import them from there.
"""

from fleetctl.build.archive import Release, ReleaseError, pack

__all__ = ["Release", "ReleaseError", "pack", "releases_to_prune"]


def releases_to_prune(releases_newest_first: list[str], current: str | None, previous: str | None, keep: int) -> list[str]:
    """Releases beyond the newest `keep`; the current and previous ones are never among them."""
    protected = {current, previous}
    return [release for release in releases_newest_first[keep:] if release not in protected]
