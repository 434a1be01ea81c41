"""SSHTransport against a real sshd on 127.0.0.1: commands, scripts, files, host keys, failures.

Nothing here mocks SSH: the sshd is /usr/sbin/sshd started by the fixture with
its own host key and authorized key. It logs in root; what get() does for an
unprivileged login user with sudo is tried on a container of the lab's host
image running only sshd (sshd_fixture.start_sudo_host).
"""

import os
import stat
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sshd_fixture import (
    SSHServer,
    SudoHost,
    free_port,
    generate_key,
    start_sshd,
    start_sudo_host,
    stop_sshd,
    stop_sudo_host,
)

from fleetctl.facts import gather, probe_hosts
from fleetctl.lab.images import ImageRecipe
from fleetctl.transport import STOPPED, Result, SSHTransport, TransportError, connect


@pytest.fixture(scope="module")
def sshd(tmp_path_factory) -> SSHServer:
    server, process = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    stop_sshd(process)


@dataclass(frozen=True)
class Spec:
    """Duck-typed like fleetctl.inventory.ConnectionSpec."""

    name: str
    address: str
    port: int | None
    user: str | None
    key_file: str | None
    known_hosts_file: str | None
    connection: str = "ssh"
    become: bool = False
    ssh_common_args: str | None = None


@pytest.fixture
def known_hosts(tmp_path, sshd) -> Path:
    path = tmp_path / "known_hosts"
    path.write_text("# fleetctl test\n" + sshd.known_hosts_entry())
    return path


@pytest.fixture
def empty_ssh_config(tmp_path) -> str:
    # Keep the machine's own ~/.ssh/config out of these tests.
    path = tmp_path / "ssh_config"
    path.write_text("")
    return str(path)


def spec_for(sshd: SSHServer, known_hosts: Path, **changes) -> Spec:
    fields = dict(
        name="web1", address="127.0.0.1", port=sshd.port, user=sshd.user,
        key_file=str(sshd.client_key), known_hosts_file=str(known_hosts),
    )
    fields.update(changes)
    return Spec(**fields)


@pytest.fixture
def transport(sshd, known_hosts, empty_ssh_config):
    with connect(spec_for(sshd, known_hosts), ssh_config_file=empty_ssh_config) as transport:
        yield transport


def test_quoted_arguments_survive_the_remote_shell(transport):
    awkward = ["a b", "it's", '"double"', "$HOME", "a;b", "`id`", "*", "$(id)", "back\\slash", "", "new\nline"]
    result = transport.run(["printf", "[%s]\\n", *awkward])
    assert result == Result(0, "".join(f"[{arg}]\n" for arg in awkward), "")


def test_exit_code_and_stderr_come_back(transport):
    result = transport.run(["sh", "-c", "echo out; echo err >&2; exit 7"])
    assert (result.exit_code, result.stdout, result.stderr) == (7, "out\n", "err\n")


def test_a_script_runs_in_one_shell_with_its_arguments(transport):
    script = 'set -- "$@"\nfirst=$$\nanswer="$1|$2"\necho "$answer"\n[ "$$" = "$first" ] && echo same-shell\n'
    assert transport.run(script=script, argv=["x y", "$z"]).stdout == "x y|$z\nsame-shell\n"


def test_gather_probes_in_exactly_one_exec(sshd, known_hosts, empty_ssh_config):
    executed: list[str] = []

    class CountingSSHTransport(SSHTransport):
        def _execute(self, command, stdin, timeout):
            executed.append(command)
            return super()._execute(command, stdin, timeout)

    transport = CountingSSHTransport(
        "web1", "127.0.0.1", port=sshd.port, user=sshd.user, key_file=str(sshd.client_key),
        known_hosts_file=str(known_hosts), ssh_config_file=empty_ssh_config,
    )
    with transport:
        raw, facts = gather(transport)
    assert executed == ["sh -s"]
    assert facts.hostname == Path("/proc/sys/kernel/hostname").read_text().strip()
    assert facts.cpus_online == os.cpu_count()
    assert raw.startswith("==> probe <==\n")


def test_put_writes_bytes_and_files_with_their_mode(transport, tmp_path):
    target = tmp_path / "remote dir" / "unit's file.conf"
    target.parent.mkdir()
    transport.put(b"[Service]\nUser=app\n", str(target), mode=0o640)
    assert target.read_bytes() == b"[Service]\nUser=app\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640

    source = tmp_path / "local.sh"
    source.write_bytes(b"#!/bin/sh\necho hi\n" * 10000)
    transport.put(source, str(target), mode=0o755)
    assert target.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temporary left


def test_put_into_a_missing_directory_is_a_one_line_error(transport, tmp_path):
    with pytest.raises(TransportError, match=r"^web1: cannot write .*/nowhere/file: .*No such file"):
        transport.put(b"x", str(tmp_path / "nowhere" / "file"))


def test_put_goes_over_sftp_and_leaves_no_upload_behind(transport, tmp_path):
    home = Path(transport.run(["sh", "-c", "echo $HOME"]).stdout.strip())
    before = set(home.glob(".fleetctl-upload-*"))
    transport.put(b"secret=1\n", str(tmp_path / "env"), mode=0o600)
    with pytest.raises(TransportError):
        transport.put(b"secret=1\n", str(tmp_path / "nowhere" / "env"))
    assert set(home.glob(".fleetctl-upload-*")) == before
    assert (tmp_path / "env").read_bytes() == b"secret=1\n"
    assert "sftp" in type(transport._connection.sftp()).__name__.lower()


def test_a_slow_command_times_out(transport):
    with pytest.raises(TransportError, match=r"^web1: timed out after 0.5s$"):
        transport.run(["sleep", "5"], timeout=0.5)
    assert transport.run(["true"]).ok  # the connection is still usable


def test_unknown_host_key_is_refused_without_trust_on_first_use(sshd, tmp_path, empty_ssh_config):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    with pytest.raises(TransportError) as refused:
        connect(spec_for(sshd, known_hosts), ssh_config_file=empty_ssh_config)
    assert str(refused.value) == (
        f"web1: unknown host key for [127.0.0.1]:{sshd.port} "
        f"(not in {known_hosts}; pass --trust-on-first-use to accept it)"
    )
    assert known_hosts.read_text() == ""


def test_trust_on_first_use_accepts_and_records_the_key(sshd, tmp_path, empty_ssh_config):
    known_hosts = tmp_path / "ssh" / "known_hosts"  # neither file nor directory exists yet
    with connect(spec_for(sshd, known_hosts), trust_on_first_use=True, ssh_config_file=empty_ssh_config) as transport:
        assert transport.run(["true"]).ok
    assert known_hosts.read_text() == sshd.known_hosts_entry()
    assert stat.S_IMODE(known_hosts.stat().st_mode) == 0o600
    # Recorded: the next connection needs no trust.
    with connect(spec_for(sshd, known_hosts), ssh_config_file=empty_ssh_config) as transport:
        assert transport.run(["true"]).ok


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa"])
def test_a_changed_host_key_is_refused_even_with_trust_on_first_use(sshd, tmp_path, empty_ssh_config, key_type):
    impostor = generate_key(tmp_path / "impostor", key_type)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"# line 1\n[127.0.0.1]:1 {impostor}\n[127.0.0.1]:{sshd.port} {impostor}\n")
    before = known_hosts.read_text()
    with pytest.raises(TransportError) as refused:
        connect(spec_for(sshd, known_hosts), trust_on_first_use=True, ssh_config_file=empty_ssh_config)
    assert str(refused.value) == (
        f"web1: host key mismatch for [127.0.0.1]:{sshd.port} (known_hosts {known_hosts} line 3)"
    )
    assert known_hosts.read_text() == before


def test_a_hashed_known_hosts_entry_is_honoured_and_located(sshd, tmp_path, empty_ssh_config):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(sshd.known_hosts_entry())
    os.system(f"ssh-keygen -q -H -f {known_hosts} >/dev/null 2>&1")
    assert known_hosts.read_text().startswith("|1|")
    with connect(spec_for(sshd, known_hosts), ssh_config_file=empty_ssh_config) as transport:
        assert transport.run(["true"]).ok


def test_a_key_the_server_does_not_know_fails_authentication(sshd, known_hosts, empty_ssh_config):
    with pytest.raises(TransportError) as refused:
        connect(spec_for(sshd, known_hosts, key_file=str(sshd.other_client_key)), ssh_config_file=empty_ssh_config)
    assert str(refused.value) == "web1: authentication failed for user root"


def test_a_closed_port_is_connection_refused(sshd, known_hosts, empty_ssh_config):
    port = free_port()
    with pytest.raises(TransportError) as refused:
        connect(spec_for(sshd, known_hosts, port=port), ssh_config_file=empty_ssh_config)
    assert str(refused.value) == f"web1: connection refused at 127.0.0.1:{port}"


def test_ssh_config_host_alias_and_proxyjump_with_every_hop_verified(sshd, tmp_path):
    # "target" reaches 127.0.0.1 through a jump host spelled "localhost", so the
    # two hops have different known_hosts names and can be trusted separately.
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(
        f"Host target\n    HostName 127.0.0.1\n    Port {sshd.port}\n    ProxyJump jump\n"
        f"Host jump\n    HostName localhost\n    Port {sshd.port}\n"
        f"Host *\n    User root\n    IdentityFile {sshd.client_key}\n"
    )
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(sshd.known_hosts_entry("127.0.0.1"))
    spec = spec_for(sshd, known_hosts, address="target", port=None, user=None, key_file=None)

    with pytest.raises(TransportError) as refused:
        connect(spec, ssh_config_file=str(ssh_config))
    assert str(refused.value).startswith(f"web1: unknown host key for [localhost]:{sshd.port} ")

    known_hosts.write_text(sshd.known_hosts_entry("127.0.0.1") + sshd.known_hosts_entry("localhost"))
    with connect(spec, ssh_config_file=str(ssh_config)) as transport:
        assert transport.run(["sh", "-c", "echo $SSH_CLIENT"]).stdout.startswith("127.0.0.1 ")
        assert transport.endpoint == f"127.0.0.1:{sshd.port}"


def test_ssh_common_args_proxyjump(sshd, tmp_path):
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(f"Host *\n    User root\n    IdentityFile {sshd.client_key}\n")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(sshd.known_hosts_entry("127.0.0.1") + sshd.known_hosts_entry("localhost"))
    spec = spec_for(sshd, known_hosts, ssh_common_args=f"-o ProxyJump=root@localhost:{sshd.port}")
    with connect(spec, ssh_config_file=str(ssh_config)) as transport:
        assert transport.run(["true"]).ok


def test_probe_hosts_gives_facts_or_a_one_line_error_per_host(sshd, known_hosts, empty_ssh_config, tmp_path):
    empty_known_hosts = tmp_path / "empty_known_hosts"
    empty_known_hosts.write_text("")
    specs = [
        spec_for(sshd, known_hosts, name="good"),
        spec_for(sshd, known_hosts, name="closed", port=free_port()),
        spec_for(sshd, empty_known_hosts, name="stranger"),
        spec_for(sshd, known_hosts, name="wrongkey", key_file=str(sshd.other_client_key)),
        spec_for(sshd, known_hosts, name="local", connection="local"),
    ]
    results = probe_hosts(specs, forks=4, ssh_config_file=empty_ssh_config)
    assert [r.name for r in results] == ["good", "closed", "stranger", "wrongkey", "local"]
    assert results[0].ok and results[4].ok
    # The same script, over SSH and locally (but for the free disk, which moves meanwhile).
    assert replace(results[0].facts, opt_free_mb=None) == replace(results[4].facts, opt_free_mb=None)
    assert results[1].error.startswith("closed: connection refused at 127.0.0.1:")
    assert results[2].error.startswith("stranger: unknown host key for ")
    assert results[3].error == "wrongkey: authentication failed for user root"
    assert all("\n" not in (r.error or "") for r in results)


def test_the_inventorys_connection_spec_is_accepted_with_its_trust_on_first_use(sshd, tmp_path, empty_ssh_config):
    from fleetctl.inventory import ConnectionSpec

    known_hosts = tmp_path / "known_hosts"
    fields = dict(
        name="web1", address="127.0.0.1", port=sshd.port, user="root", key_file=str(sshd.client_key),
        connection="ssh", become=False, known_hosts_file=str(known_hosts), ssh_common_args=None,
    )
    with pytest.raises(TransportError, match="unknown host key"):
        connect(ConnectionSpec(**fields), ssh_config_file=empty_ssh_config)
    with connect(ConnectionSpec(**fields, trust_on_first_use=True), ssh_config_file=empty_ssh_config) as transport:
        assert transport.run(["true"]).ok
    assert known_hosts.read_text() == sshd.known_hosts_entry()


def test_nagle_is_off_so_small_commands_do_not_wait_for_delayed_acks(transport):
    import socket

    # Private access on purpose: the socket option is the behaviour under test
    # (with Nagle on, every command waited ~40 ms for the peer's delayed ACK).
    sock = transport._connection.transport.sock
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    # And TCP keepalive, so a host that vanishes mid-command is noticed in seconds.
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 5


def _context_switches(native_id: int) -> int:
    fields = dict(line.split(":\t") for line in Path(f"/proc/self/task/{native_id}/status").read_text().splitlines()
                  if ":\t" in line)
    return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])


def test_an_idle_connection_sleeps_and_its_thread_ends_when_it_is_closed(transport):
    # A command's pool keeps every host's connection open for the command's length: paramiko's thread woke
    # 10 times a second per connection to look at flags (500 hosts: a quarter of a core doing nothing).
    assert transport.run(["true"]).ok
    reader = transport._connection.transport  # private on purpose: its thread is the behaviour under test
    before = _context_switches(reader.native_id)
    time.sleep(4.5)
    assert _context_switches(reader.native_id) - before <= 1
    # Sleeping does not mean lingering: close() wakes it, and it ends now, not at its next wake-up.
    started = time.monotonic()
    transport.close()
    reader.join(5)
    assert not reader.is_alive()
    assert time.monotonic() - started < 1.0


def test_a_port_that_never_answers_times_out(sshd, known_hosts, empty_ssh_config):
    import socket

    # A listener whose accept queue is full: Linux drops further SYNs, so the
    # TCP connect itself hangs, as it does for a host behind a silent firewall.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        try:
            transport = SSHTransport(
                "web1", "127.0.0.1", port=port, user="root", key_file=str(sshd.client_key),
                known_hosts_file=str(known_hosts), ssh_config_file=empty_ssh_config, connect_timeout=1,
            )
            with pytest.raises(TransportError) as failed:
                transport.open()
        finally:
            for filler in fillers:
                filler.close()
    assert str(failed.value) in (
        f"web1: timed out connecting to 127.0.0.1:{port}",
        f"web1: timed out waiting for an SSH banner from 127.0.0.1:{port}",
    )


def test_a_server_that_never_speaks_ssh_times_out_on_the_banner(sshd, known_hosts, empty_ssh_config):
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        transport = SSHTransport(
            "web1", "127.0.0.1", port=port, user="root", key_file=str(sshd.client_key),
            known_hosts_file=str(known_hosts), ssh_config_file=empty_ssh_config, connect_timeout=1,
        )
        with pytest.raises(TransportError) as failed:
            transport.open()
    assert str(failed.value) == f"web1: timed out waiting for an SSH banner from 127.0.0.1:{port}"


def test_a_server_that_stalls_in_the_key_exchange_times_out_in_the_handshake(sshd, known_hosts, empty_ssh_config):
    import socket

    # A server that greets and then never answers the key exchange: as a host too busy to finish it (500 hosts
    # on one loaded machine). paramiko itself only said "No existing session".
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]

        def greet() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
                time.sleep(5)

        threading.Thread(target=greet, daemon=True).start()
        transport = SSHTransport(
            "web1", "127.0.0.1", port=port, user="root", key_file=str(sshd.client_key),
            known_hosts_file=str(known_hosts), ssh_config_file=empty_ssh_config, connect_timeout=2,
        )
        started = time.monotonic()
        with pytest.raises(TransportError) as failed:
            transport.open()
    assert str(failed.value) == (f"web1: timed out in the SSH handshake with 127.0.0.1:{port} (after 2s; raise "
                                 "ansible_ssh_timeout on a slow or busy network)")
    assert 1.5 < time.monotonic() - started < 4.5


def test_large_output_on_both_streams_and_large_stdin(transport):
    # More than the SSH window on stdout and stderr at once, from a 2 MB script
    # (the script itself travels on stdin).
    script = "head -c 3000000 /dev/zero | tr '\\0' o\nhead -c 3000000 /dev/zero | tr '\\0' e >&2\n"
    result = transport.run(script=script + "#" + "x" * 2_000_000 + "\necho done\n")
    assert result.ok
    assert result.stderr == "e" * 3_000_000
    assert result.stdout == "o" * 3_000_000 + "done\n"


def test_output_that_arrives_with_the_close_is_read_not_mistaken_for_a_lost_connection(transport, monkeypatch):
    # The interleaving CI once hit by chance: the last output, the EOF and the
    # channel's close all arrive while the reader drains the other stream.
    # Forced here by holding the first stderr check until paramiko has closed
    # the channel; the SSH session itself is real.
    from paramiko import Channel

    held = []
    real_recv_stderr_ready = Channel.recv_stderr_ready

    def recv_stderr_ready_after_the_close(channel):
        if not held:
            deadline = time.monotonic() + 10
            while not channel.closed and time.monotonic() < deadline:
                time.sleep(0.01)
            held.append(channel.closed)
        return real_recv_stderr_ready(channel)

    monkeypatch.setattr(Channel, "recv_stderr_ready", recv_stderr_ready_after_the_close)
    result = transport.run(["sh", "-c", "sleep 0.2; echo out; echo err >&2"])
    assert held == [True]
    assert result == Result(0, "out\n", "err\n")


def test_a_connection_that_dies_under_a_command_is_a_one_line_error(transport):
    # The script's parent is the session's sshd: killing it drops the
    # connection while the command still runs.
    started = time.monotonic()
    with pytest.raises(TransportError) as lost:
        transport.run(script='kill -9 "$PPID"\nsleep 30\n', timeout=60)
    assert str(lost.value) == "web1: connection lost while running a command"
    assert time.monotonic() - started < 20  # noticed, not waited out to the command's end


def test_stream_hands_over_the_output_as_it_comes_until_the_command_exits(transport):
    chunks: list[tuple[float, bytes]] = []
    started = time.monotonic()
    result = transport.stream(["sh", "-c", "echo one; sleep 1; echo two; echo err >&2; exit 3"],
                              lambda chunk: chunks.append((time.monotonic() - started, chunk)), threading.Event())
    assert result == Result(3, "", "err\n")
    assert b"".join(chunk for _, chunk in chunks) == b"one\ntwo\n"
    assert chunks[0][1] == b"one\n" and chunks[0][0] < 0.9  # before the command ended


def test_stream_stopped_ends_the_command_on_the_host(transport, tmp_path):
    stop = threading.Event()
    pid_file = tmp_path / "pid"
    threading.Timer(0.5, stop.set).start()
    result = transport.stream(["sh", "-c", f"echo $$ > {pid_file}; while echo tick; do sleep 0.1; done"],
                              lambda chunk: None, stop)
    assert result.exit_code == STOPPED
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:  # its next echo meets a closed pipe
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists()


def test_a_stream_whose_connection_dies_is_a_one_line_error(transport):
    with pytest.raises(TransportError) as lost:
        transport.stream(["sh", "-c", 'echo started; kill -9 "$PPID"; sleep 30'], lambda chunk: None,
                         threading.Event())
    assert str(lost.value) == "web1: connection lost while running a command"


def test_a_command_that_ignores_a_large_stdin_still_times_out(transport):
    with pytest.raises(TransportError, match=r"^web1: timed out after 1s$"):
        transport.run(script="sleep 30\n" + "#" * 10_000_000, timeout=1)


# --- get: a file's bytes, over SFTP -------------------------------------------------------


class CountingSSHTransport(SSHTransport):
    """Records every command line it executes: get() of a readable file executes none."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.executed: list[str] = []

    def _execute(self, command, stdin, timeout):
        self.executed.append(command)
        return super()._execute(command, stdin, timeout)


def test_get_reads_any_bytes_over_sftp_without_a_command(sshd, known_hosts, empty_ssh_config, tmp_path):
    source = tmp_path / "remote dir" / "it's a release.tar.gz"
    source.parent.mkdir()
    source.write_bytes(os.urandom(3 * 1024 * 1024))
    empty = source.parent / "empty"
    empty.touch()
    with CountingSSHTransport("web1", "127.0.0.1", port=sshd.port, user=sshd.user, key_file=str(sshd.client_key),
                              known_hosts_file=str(known_hosts), ssh_config_file=empty_ssh_config) as transport:
        assert transport.get(str(source)) == source.read_bytes()
        assert transport.get(str(empty)) == b""
        assert transport.executed == []


@pytest.mark.parametrize("name, cause", [("nowhere.bin", "No such file"), (".", "Is a directory")])
def test_get_of_a_missing_file_or_a_folder_is_a_one_line_error(transport, tmp_path, name, cause):
    with pytest.raises(TransportError) as failed:
        transport.get(str(tmp_path / name))
    assert str(failed.value) == f"web1: cannot read {tmp_path / name}: {cause}"


@pytest.fixture(scope="module")
def sudo_host(tmp_path_factory) -> SudoHost:
    host = start_sudo_host(tmp_path_factory.mktemp("sudo-host"), ImageRecipe("amd64").host_tag)
    yield host
    stop_sudo_host(host.container)


def sudo_transport(host: SudoHost, ssh_config_file: str, become: bool) -> CountingSSHTransport:
    return CountingSSHTransport("box", host.address, port=22, user=host.user, key_file=str(host.client_key),
                                become=become, known_hosts_file=str(host.known_hosts), ssh_config_file=ssh_config_file)


@pytest.fixture(scope="module")
def root_only_file(sudo_host, tmp_path_factory) -> tuple[str, bytes]:
    """A file only root may read, in a folder only root may enter, on the sudo host."""
    data = os.urandom(1024 * 1024) + b"\x00\xff end"
    config = tmp_path_factory.mktemp("ssh_config") / "ssh_config"
    config.write_text("")
    with sudo_transport(sudo_host, str(config), become=True) as transport:
        transport.put(data, "/root/secret.bin", mode=0o600)
        assert transport.run(["stat", "-c", "%U %a", "/root", "/root/secret.bin"]).stdout == "root 700\nroot 600\n"
    return "/root/secret.bin", data


def staging_files(transport: SSHTransport) -> list[str]:
    listing = transport.run(["ls", "-A", "/home/deploy"], become=False).stdout.split()
    return [name for name in listing if name.startswith(".fleetctl-")]


def test_get_with_become_copies_a_root_only_file_through_a_private_staging_file(
        sudo_host, root_only_file, empty_ssh_config):
    path, data = root_only_file
    with sudo_transport(sudo_host, empty_ssh_config, become=True) as transport:
        assert transport.get(path) == data
        # One command, the copy through sudo into the staging file, which is gone again.
        assert len(transport.executed) == 1 and transport.executed[0].startswith("sudo -n -- sh -s -- ")
        assert staging_files(transport) == []


def test_get_with_become_of_a_readable_file_runs_no_command(sudo_host, empty_ssh_config):
    with sudo_transport(sudo_host, empty_ssh_config, become=True) as transport:
        assert transport.get("/etc/os-release").startswith(b"PRETTY_NAME=")
        assert transport.executed == []


def test_get_without_become_of_a_root_only_file_is_permission_denied(sudo_host, root_only_file, empty_ssh_config):
    path, _ = root_only_file
    with sudo_transport(sudo_host, empty_ssh_config, become=False) as transport:
        with pytest.raises(TransportError) as failed:
            transport.get(path)
        assert transport.executed == []
    assert str(failed.value) == f"box: cannot read {path}: Permission denied"


def test_get_with_become_of_a_missing_file_says_why_in_one_line_and_leaves_no_staging_file(
        sudo_host, empty_ssh_config):
    with sudo_transport(sudo_host, empty_ssh_config, become=True) as transport:
        with pytest.raises(TransportError) as failed:
            transport.get("/root/nothing")
        assert staging_files(transport) == []
    assert str(failed.value) == "box: cannot read /root/nothing: cat: /root/nothing: No such file or directory"
