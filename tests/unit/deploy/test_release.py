"""The releases on a host: which ones are pruned (packing one is fleetctl.build.archive's: build/test_archive.py)."""

from fleetctl.deploy.release import releases_to_prune


def test_pruning_keeps_the_newest_and_never_current_or_previous():
    releases = ["r6", "r5", "r4", "r3", "r2", "r1"]  # newest first
    assert releases_to_prune(releases, "r6", "r5", keep=3) == ["r3", "r2", "r1"]
    assert releases_to_prune(releases, "r1", "r2", keep=3) == ["r3"]
    assert releases_to_prune(releases[:2], "r6", None, keep=5) == []
