"""Where the files that ship with fleetctl live.

In a source checkout templates/ and roles/ sit at the top of the repo; in an
installed wheel they are packaged as fleetctl/templates and fleetctl/roles.
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    in_checkout = PACKAGE_DIR.parent / name
    if in_checkout.is_dir():
        return in_checkout
    return PACKAGE_DIR / name


def templates_dir() -> Path:
    return _shipped("templates")


def roles_dir() -> Path:
    return _shipped("roles")


def state_dir() -> Path:
    """Where fleetctl keeps what it remembers on the control machine (rollout records, caches)."""
    return Path(os.environ.get("FLEETCTL_STATE_DIR", ".fleetctl"))
