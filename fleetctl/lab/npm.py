"""The npm release the lab's builder images carry: its pin, and fetching its tarball verified.

Debian bookworm's own `npm` package drags in hundreds of node-* packages, so the
builder images get npm's release tarball from the npm registry instead (pure
JavaScript, node-gyp bundled; npm 10 runs on node 18.17 and newer). It is
fetched on the control machine only when a builder image is (re)built, and
checked against the pinned sha512 before it goes into the image. The pin is part
of the builder images' recipe hash: changing it rebuilds them.
"""

import base64
import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

NPM_VERSION = "10.9.9"
# dist.integrity of npm@10.9.9 in the registry (`npm view npm@10.9.9 dist.integrity`).
NPM_INTEGRITY = "sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg=="
DEFAULT_REGISTRY = "https://registry.npmjs.org"
FETCH_TIMEOUT_S = 120


class NpmFetchError(RuntimeError):
    """The tarball could not be fetched or is not the pinned one; str() is one line."""


def tarball_url(version: str = NPM_VERSION, registry: str | None = None) -> str:
    """The registry's address of npm's release tarball ($npm_config_registry wins, as for npm itself)."""
    base = (registry or os.environ.get("npm_config_registry") or DEFAULT_REGISTRY).rstrip("/")
    return f"{base}/npm/-/npm-{version}.tgz"


def integrity_of(data: bytes) -> str:
    """The Subresource Integrity string npm records for a tarball (sha512, base64)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_npm(destination: Path, version: str = NPM_VERSION, integrity: str = NPM_INTEGRITY,
              url: str | None = None) -> Path:
    """Download the pinned npm tarball to destination, checked against its integrity."""
    url = url or tarball_url(version)
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response:
            data = response.read()
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise NpmFetchError(f"could not fetch npm {version} from {url}: {reason}") from None
    if integrity_of(data) != integrity:
        raise NpmFetchError(f"npm {version} from {url} is not the pinned tarball (integrity {integrity_of(data)[:24]}...)")
    destination.write_bytes(data)
    return destination
