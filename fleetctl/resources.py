"""Where the files that ship with fleetctl live.

In a source checkout templates/ and roles/ sit at the top of the repo; in an
installed wheel they are packaged as fleetctl/templates and fleetctl/builtin_roles
(fleetctl/roles is the code that reads roles).
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str, packaged_as: str | None = None) -> Path:
    in_checkout = PACKAGE_DIR.parent / name
    if in_checkout.is_dir():
        return in_checkout
    return PACKAGE_DIR / (packaged_as or name)


def templates_dir() -> Path:
    return _shipped("templates")


def roles_dir() -> Path:
    return _shipped("roles", "builtin_roles")


def state_dir() -> Path:
    """Where fleetctl keeps what it remembers on the control machine (rollout records, caches)."""
    return Path(os.environ.get("FLEETCTL_STATE_DIR", ".fleetctl"))
