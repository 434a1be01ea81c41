"""A host's platform (OS, userland arch, C library, Node ABI): what a release's native addons are built for."""

from dataclasses import FrozenInstanceError

import pytest

from fleetctl.domain import Platform


# --- Platform ---------------------------------------------------------------------------


def test_a_platform_is_named_by_its_key():
    platform = Platform("linux", "armv7l", "musl", "115")
    assert platform.key == str(platform) == f"{platform}" == "linux-armv7l-musl-node115"
    assert Platform("linux", "x86_64", "glibc", "108").key == "linux-x86_64-glibc-node108"
    with pytest.raises(FrozenInstanceError):
        platform.arch = "aarch64"  # type: ignore[misc]


def test_platforms_differ_in_any_part_and_are_equal_otherwise():
    base = Platform("linux", "aarch64", "glibc", "108")
    assert base == Platform("linux", "aarch64", "glibc", "108") and len({base, Platform(*vars(base).values())}) == 1
    for other in (Platform("linux", "armv7l", "glibc", "108"), Platform("linux", "aarch64", "musl", "108"),
                  Platform("linux", "aarch64", "glibc", "115")):
        assert other != base and other.key != base.key
