"""Run on a host over SSH: fabric's Connection, paramiko's channel, verified host keys."""

import errno
import selectors
import socket
import stat
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import paramiko
from fabric import Config, Connection
from paramiko import (
    AuthenticationException,
    BadHostKeyException,
    Channel,
    PasswordRequiredException,
    SFTPClient,
    SSHException,
)
from paramiko.ssh_exception import NoValidConnectionsError

from fleetctl.remote import one_line
from fleetctl.transport.base import (
    DEFAULT_TIMEOUT,
    STAGING_PREFIX,
    STOPPED,
    ConnectTimeout,
    Result,
    Transport,
    TransportError,
)
from fleetctl.transport.hostkeys import (
    DEFAULT_KNOWN_HOSTS,
    UnknownHostKey,
    known_hosts_lines,
    known_hosts_name,
    verify_host_keys,
)
from fleetctl.transport.ssh_config import SSHArgsError, configured_connect_timeout, load_ssh_config

READ_SIZE = 65536
# Idle seconds before the first probe, seconds between probes, probes lost before the connection is dead.
KEEPALIVE = {socket.TCP_KEEPIDLE: 5, socket.TCP_KEEPINTVL: 2, socket.TCP_KEEPCNT: 3}


class QuietTransport(paramiko.Transport):
    """paramiko's transport, its thread not waking 10 times a second to see whether it was closed.

    paramiko's thread reads the socket with a 0.1 s timeout, only to look at flags between reads: 0.5 ms of
    CPU per second per idle connection, and a command's pool keeps every host's connection open for the
    command's whole length (500 hosts: a quarter of a core doing nothing; at 2 s, as the handshake still
    has it, 500 hosts x a 2-minute deploy were 30,000 wake-ups). Once connected, the thread sleeps until
    data comes or IDLE_WAKE_S pass: close() shuts the socket down first, which wakes it at once (a host that
    vanished is noticed by TCP keepalive, see KEEPALIVE, not by these wake-ups).
    """

    _active_check_timeout = 2.0  # during the handshake: paramiko's banner timeout is checked at each wake-up
    IDLE_WAKE_S = 60.0

    def quieten(self) -> None:
        """After the handshake: sleep between packets."""
        if isinstance(self.sock, socket.socket):
            self.sock.settimeout(self.IDLE_WAKE_S)

    def close(self) -> None:
        if self.active and isinstance(self.sock, socket.socket):
            try:
                self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread sleeping in recv()
            except OSError:
                pass  # not connected (any more)
        super().close()


class SSHTransport(Transport):
    def __init__(
        self,
        name: str,
        address: str,
        port: int | None = None,
        user: str | None = None,
        key_file: str | None = None,
        become: bool = False,
        known_hosts_file: str | None = None,
        trust_on_first_use: bool = False,
        ssh_common_args: str | None = None,
        ssh_config_file: str | None = None,
        connect_timeout: int | None = None,
    ) -> None:
        super().__init__(name, become)
        try:
            ssh_config = load_ssh_config(address, ssh_common_args, ssh_config_file)
            connect_timeout = connect_timeout or configured_connect_timeout(ssh_config, address)
        except SSHArgsError as error:
            raise TransportError(f"{name}: {error}") from None
        self.connect_timeout = connect_timeout
        connect_kwargs: dict[str, object] = {}
        if key_file:
            # Only the named key, like IdentitiesOnly: no surprise agent keys
            # eating the server's MaxAuthTries.
            connect_kwargs = {"key_filename": [str(Path(key_file).expanduser())], "allow_agent": False, "look_for_keys": False}
        # A host that accepts TCP but never speaks SSH must not hold a fork
        # for paramiko's default 15 s banner wait.
        connect_kwargs.update(banner_timeout=connect_timeout, auth_timeout=connect_timeout,
                              transport_factory=QuietTransport)
        self._connection = Connection(
            address,
            user=user,
            port=port,
            config=Config(ssh_config=ssh_config),
            connect_timeout=connect_timeout,
            connect_kwargs=connect_kwargs,
        )
        configured_known_hosts = self._connection.ssh_config.get("userknownhostsfile", "").split()
        self.known_hosts = Path(known_hosts_file or (configured_known_hosts or [DEFAULT_KNOWN_HOSTS])[0]).expanduser()
        # Every hop of a ProxyJump chain is a Connection with its own client,
        # created with fabric's AutoAddPolicy: verify them all.
        hop = self._connection
        while isinstance(hop, Connection):
            verify_host_keys(hop.client, self.known_hosts, trust_on_first_use, known_hosts_name(hop.host, hop.port))
            hop = hop.gateway

    @property
    def user(self) -> str:
        return self._connection.user

    @property
    def endpoint(self) -> str:
        return f"{self._connection.host}:{self._connection.port}"

    def _hop_ports(self) -> dict[str, int]:
        """The port of each host on the way, this host's last."""
        ports: dict[str, int] = {}
        hop = self._connection
        while isinstance(hop, Connection):
            ports.setdefault(hop.host, hop.port)
            hop = hop.gateway
        return ports

    def open(self) -> None:
        """Connect and authenticate; raise TransportError with a one-line cause."""
        try:
            self._connection.open()
        except Exception as error:  # every failure becomes one line naming the host
            described = self._describe(error)
            self._connection.close()
            raise described from None
        self._tune_sockets()

    def _tune_sockets(self) -> None:
        # paramiko leaves Nagle's algorithm on: every small request then waits
        # for the peer's delayed ACK, about 40 ms per command (OpenSSH turns it
        # off too). TCP keepalive makes a host that vanished mid-command (killed,
        # unplugged) an error within seconds instead of the command's whole
        # timeout. Hops through a ProxyJump ride on channels, not sockets.
        hop = self._connection
        while isinstance(hop, Connection):
            if hop.transport is not None and isinstance(hop.transport.sock, socket.socket):
                sock = hop.transport.sock
                if isinstance(hop.transport, QuietTransport):
                    hop.transport.quieten()
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                for option, value in KEEPALIVE.items():
                    sock.setsockopt(socket.IPPROTO_TCP, option, value)
            hop = hop.gateway

    def _describe(self, error: Exception) -> TransportError:
        name, host, port = self.name, self._connection.host, self._connection.port
        if isinstance(error, BadHostKeyException):
            # paramiko names the host without its port; known_hosts does not.
            key_name = known_hosts_name(error.hostname, self._hop_ports().get(error.hostname, 22))
            lines = known_hosts_lines(self.known_hosts, key_name)
            where = f"line {lines[0]}" if lines else "entry"
            return TransportError(f"{name}: host key mismatch for {key_name} (known_hosts {self.known_hosts} {where})")
        if isinstance(error, UnknownHostKey):
            return TransportError(
                f"{name}: unknown host key for {error.host_key_name} "
                f"(not in {self.known_hosts}; pass --trust-on-first-use to accept it)"
            )
        if isinstance(error, PasswordRequiredException):
            return TransportError(f"{name}: authentication failed for user {self.user} (the key file needs a passphrase)")
        if isinstance(error, AuthenticationException):
            return TransportError(f"{name}: authentication failed for user {self.user}")
        if isinstance(error, NoValidConnectionsError):
            codes = {getattr(cause, "errno", None) for cause in error.errors.values()}
            if codes == {errno.ECONNREFUSED}:
                return TransportError(f"{name}: connection refused at {host}:{port}")
            return TransportError(f"{name}: cannot connect to {host}:{port}")
        if isinstance(error, (socket.timeout, TimeoutError)):
            return ConnectTimeout(f"{name}: timed out connecting to {host}:{port}")
        if isinstance(error, socket.gaierror):
            return TransportError(f"{name}: cannot resolve {host}")
        if isinstance(error, ConnectionRefusedError):
            return TransportError(f"{name}: connection refused at {host}:{port}")
        if isinstance(error, EOFError):
            return TransportError(f"{name}: connection closed by {host}:{port}")
        if isinstance(error, SSHException) and self._no_banner_received():
            return ConnectTimeout(f"{name}: timed out waiting for an SSH banner from {host}:{port}")
        if isinstance(error, SSHException) and self._key_exchange_unfinished():
            # paramiko stops waiting for the key exchange after the timeout without saying so, and its next
            # step fails with "No existing session".
            return ConnectTimeout(f"{name}: timed out in the SSH handshake with {host}:{port} "
                                  f"(after {self.connect_timeout}s; raise ansible_ssh_timeout on a slow or busy network)")
        if isinstance(error, (SSHException, OSError)):
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            return TransportError(f"{name}: ssh error: {first_line}")
        return TransportError(f"{name}: {type(error).__name__}: {error}")

    def _no_banner_received(self) -> bool:
        # paramiko reports a silent server inconsistently ("Error reading SSH
        # protocol banner" or, later, "No existing session"); what is certain
        # is that no server version string ever arrived.
        transport = self._connection.client.get_transport()
        return transport is not None and not transport.remote_version

    def _key_exchange_unfinished(self) -> bool:
        transport = self._connection.client.get_transport()
        return transport is not None and transport.active and not transport.initial_kex_done

    def _execute(self, command: str, stdin: bytes | None, timeout: float) -> Result:
        if not self._connection.is_connected:
            self.open()
        deadline = time.monotonic() + timeout
        try:
            channel = self._connection.transport.open_session(timeout=timeout)
        except SSHException as error:
            raise self._describe(error) from None
        try:
            # Bounds sendall() too: a command that never reads its stdin would
            # otherwise block us on a full SSH window.
            channel.settimeout(timeout)
            channel.exec_command(command)
            if stdin:
                channel.sendall(stdin)
            channel.shutdown_write()
            stdout, stderr = self._read_until_eof(channel, deadline, timeout)
            if not channel.status_event.wait(max(0.0, deadline - time.monotonic())):
                raise TransportError(f"{self.name}: timed out after {timeout:g}s")
            return Result(
                exit_code=channel.recv_exit_status(),
                stdout=stdout.decode(errors="replace"),
                stderr=stderr.decode(errors="replace"),
            )
        except socket.timeout:
            raise TransportError(f"{self.name}: timed out after {timeout:g}s") from None
        except (SSHException, OSError, EOFError) as error:
            raise self._describe(error) from None
        finally:
            channel.close()

    def _stream(self, command: str, on_stdout: Callable[[bytes], None], stop: threading.Event) -> Result:
        if not self._connection.is_connected:
            self.open()
        try:
            channel = self._connection.transport.open_session(timeout=DEFAULT_TIMEOUT)
        except SSHException as error:
            raise self._describe(error) from None
        try:
            channel.settimeout(DEFAULT_TIMEOUT)  # bounds the requests; the output is read only when ready
            channel.exec_command(command)
            channel.shutdown_write()
            stderr = self._pump(channel, on_stdout, stop=stop)
            if stop.is_set():
                # Closing the channel (below) closes the command's pipes on the host: it ends there too.
                return Result(STOPPED, "", stderr.decode(errors="replace"))
            if not channel.status_event.wait(DEFAULT_TIMEOUT):
                raise TransportError(f"{self.name}: no exit status after the command's output ended")
            return Result(channel.recv_exit_status(), "", stderr.decode(errors="replace"))
        except (SSHException, OSError, EOFError) as error:
            raise self._describe(error) from None
        finally:
            channel.close()

    def _read_until_eof(self, channel: Channel, deadline: float, timeout: float) -> tuple[bytes, bytes]:
        stdout = bytearray()
        stderr = self._pump(channel, stdout.extend, deadline, timeout)
        return bytes(stdout), stderr

    def _pump(self, channel: Channel, on_stdout: Callable[[bytes], None], deadline: float | None = None,
              timeout: float | None = None, stop: threading.Event | None = None) -> bytes:
        """Hand the command's stdout to on_stdout as it comes, until its EOF (or the deadline, or stop); its stderr."""
        # Read both streams as they come: a command filling its stderr while we
        # wait on stdout would otherwise stall on the SSH window.
        # A selector, not select(): with many hosts in parallel, descriptors
        # pass select()'s limit of 1024.
        stderr = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(channel, selectors.EVENT_READ)
            while True:
                # paramiko's thread buffers the data before it records the EOF
                # that follows it: seen before a drain, nothing is left after it.
                ended = channel.eof_received
                while channel.recv_ready():
                    on_stdout(channel.recv(READ_SIZE))
                while channel.recv_stderr_ready():
                    stderr += channel.recv_stderr(READ_SIZE)
                if ended or (stop is not None and stop.is_set()):
                    return bytes(stderr)
                # A command that ends normally closes its channel after its EOF,
                # so closed without EOF means the connection died under the
                # command: the host went away (see KEEPALIVE).
                if not channel.eof_received and (channel.closed or not channel.get_transport().is_active()):
                    raise TransportError(f"{self.name}: connection lost while running a command")
                wait = 1.0  # also how soon a stop is seen
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TransportError(f"{self.name}: timed out after {timeout:g}s")
                    wait = min(remaining, wait)
                selector.select(wait)

    def put(self, source: str | Path | bytes, remote_path: str, mode: int = 0o644,
            timeout: float = DEFAULT_TIMEOUT) -> None:
        """Upload over SFTP to a private (0600) file in the login user's home, then move it into place
        atomically with become: releases and files of any size, no shell on the data path."""
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        staging = f".fleetctl-upload-{uuid.uuid4().hex}"
        try:
            sftp = self._sftp(timeout)
            with sftp.open(staging, "wb") as remote:
                remote.chmod(0o600)
                remote.set_pipelined(True)
                remote.write(data)
            staging_path = sftp.normalize(staging)
        except (SSHException, OSError, EOFError) as error:
            raise TransportError(f"{self.name}: cannot upload {remote_path} over SFTP: {error}") from None
        argv = ["sh", "-c", one_line("install-upload.sh"), "fleetctl-put", staging_path, remote_path,
                format(mode, "o")]
        self._check_put(self._execute(self._command_line(argv), None, timeout), remote_path)

    def _sftp(self, timeout: float) -> SFTPClient:
        """The connection's SFTP session (opened once), its requests bounded by timeout."""
        if not self._connection.is_connected:
            self.open()
        sftp = self._connection.sftp()
        sftp.get_channel().settimeout(timeout)
        return sftp

    def _read_file(self, path: str, timeout: float) -> bytes:
        """Over SFTP: no shell on the data path, and any size or bytes."""
        try:
            sftp = self._sftp(timeout)
            try:
                with sftp.open(path, "rb") as remote:
                    remote.prefetch()  # asks for every block at once, instead of one round trip per block
                    return remote.read()
            except OSError as error:
                # sftp-server opens a folder, then answers its read with a bare "Failure".
                if str(error) == "Failure" and stat.S_ISDIR(sftp.stat(path).st_mode or 0):
                    raise IsADirectoryError(errno.EISDIR, "Is a directory") from None
                raise
        except (SSHException, EOFError) as error:
            raise TransportError(f"{self.name}: cannot read {path} over SFTP: {error}") from None

    def _make_staging_file(self, timeout: float) -> str:
        name = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        try:
            sftp = self._sftp(timeout)
            with sftp.open(name, "wb") as staging:
                staging.chmod(0o600)  # before anything is written into it
            return sftp.normalize(name)
        except (SSHException, EOFError) as error:
            raise TransportError(f"{self.name}: cannot make a staging file over SFTP: {error}") from None

    def _remove_staging_file(self, path: str, timeout: float) -> None:
        try:
            self._sftp(timeout).remove(path)
        except (SSHException, EOFError, OSError, TransportError):
            pass

    def close(self) -> None:
        self._connection.close()
