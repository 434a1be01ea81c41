"""The npm release of the builder images: pinned with its integrity, fetched from the registry npm itself would use,
kept only when it is the pinned tarball."""

import pytest

from fleetctl.lab import npm


def test_npm_is_pinned_to_a_10_release_with_its_integrity(monkeypatch):
    monkeypatch.delenv("npm_config_registry", raising=False)
    assert npm.NPM_VERSION.startswith("10.") and npm.NPM_INTEGRITY.startswith("sha512-")
    assert npm.tarball_url() == f"https://registry.npmjs.org/npm/-/npm-{npm.NPM_VERSION}.tgz"


def test_npm_tarball_url_follows_npm_config_registry(monkeypatch):
    monkeypatch.setenv("npm_config_registry", "https://mirror.example/npm/")
    assert npm.tarball_url("10.9.9") == "https://mirror.example/npm/npm/-/npm-10.9.9.tgz"


def test_fetch_npm_keeps_only_the_pinned_tarball(tmp_path):
    source = tmp_path / "npm.tgz"
    source.write_bytes(b"not npm")
    destination = tmp_path / "out.tgz"
    with pytest.raises(npm.NpmFetchError, match="is not the pinned tarball"):
        npm.fetch_npm(destination, integrity=npm.NPM_INTEGRITY, url=source.as_uri())
    assert not destination.exists()
    npm.fetch_npm(destination, integrity=npm.integrity_of(b"not npm"), url=source.as_uri())
    assert destination.read_bytes() == b"not npm"


def test_fetch_npm_failure_is_one_line(tmp_path):
    with pytest.raises(npm.NpmFetchError, match=r"^could not fetch npm 10\.9\.9 from file:///nowhere/npm.tgz: ") as failure:
        npm.fetch_npm(tmp_path / "out.tgz", version="10.9.9", url="file:///nowhere/npm.tgz")
    assert "\n" not in str(failure.value)
