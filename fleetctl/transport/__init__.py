"""The only code that touches a host: run a command or a script, write a file.

Every remote command is one shell line built from quoted arguments.
"""

from fleetctl.transport.base import (
    DEFAULT_TIMEOUT, STOPPED, ConnectTimeout, Result, Transport, TransportError, quote_command,
)
from fleetctl.transport.connect import ConnectionSpecLike, connect
from fleetctl.transport.local import LocalTransport
from fleetctl.transport.pool import Connect, ConnectionPool
from fleetctl.transport.ssh import SSHTransport

__all__ = [
    "DEFAULT_TIMEOUT",
    "Connect",
    "ConnectTimeout",
    "ConnectionPool",
    "ConnectionSpecLike",
    "LocalTransport",
    "Result",
    "SSHTransport",
    "STOPPED",
    "Transport",
    "TransportError",
    "connect",
    "quote_command",
]
