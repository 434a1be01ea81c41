"""The releases on a host: which ones to prune. (Releases are packed by fleetctl.build.archive.)"""


def releases_to_prune(releases_newest_first: list[str], current: str | None, previous: str | None, keep: int) -> list[str]:
    """Releases beyond the newest `keep`; the current and previous ones are never among them."""
    protected = {current, previous}
    return [release for release in releases_newest_first[keep:] if release not in protected]
