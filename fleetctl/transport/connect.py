"""Build the transport a connection spec asks for."""

from typing import Protocol

from fleetctl.transport.base import Transport, TransportError
from fleetctl.transport.local import LocalTransport
from fleetctl.transport.ssh import SSHTransport


class ConnectionSpecLike(Protocol):
    """What connect() reads; fleetctl.inventory.ConnectionSpec has these fields."""

    name: str
    address: str
    port: int | None
    user: str | None
    key_file: str | None
    connection: str  # "ssh" or "local"
    become: bool
    known_hosts_file: str | None
    # Also read when present: ssh_common_args (str | None), connect_timeout (int | None, seconds),
    # trust_on_first_use (bool, the inventory's fleet_trust_on_first_use) and
    # problem (str | None: why the host's variables do not allow a connection).


def connect(spec: ConnectionSpecLike, trust_on_first_use: bool = False, ssh_config_file: str | None = None) -> Transport:
    """An open transport to the host; raises TransportError with a one-line cause.

    Unknown host keys are trusted only when asked for explicitly: by the
    trust_on_first_use argument (the command line) or by the spec (the inventory).
    ssh_config_file replaces ~/.ssh/config and /etc/ssh/ssh_config (tests, CI).
    """
    problem = getattr(spec, "problem", None)
    if problem:
        raise TransportError(problem)
    if spec.connection == "local":
        return LocalTransport(spec.name, become=spec.become)
    if spec.connection != "ssh":
        raise TransportError(f"{spec.name}: unknown connection {spec.connection!r} (expected ssh or local)")
    transport = SSHTransport(
        spec.name,
        spec.address,
        port=spec.port,
        user=spec.user,
        key_file=spec.key_file,
        become=spec.become,
        known_hosts_file=spec.known_hosts_file,
        trust_on_first_use=trust_on_first_use or bool(getattr(spec, "trust_on_first_use", False)),
        ssh_common_args=getattr(spec, "ssh_common_args", None),
        ssh_config_file=ssh_config_file,
        connect_timeout=getattr(spec, "connect_timeout", None),
    )
    transport.open()
    return transport
