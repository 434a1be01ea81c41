"""A throwaway OpenSSH server on 127.0.0.1 for transport tests: real sshd, real keys.

Started as root with its own host key, client key and authorized_keys, all in
a temporary directory; nothing of the machine's own SSH setup is used. And a
host whose login user is unprivileged, with sudo: a container running sshd.
"""

import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"
START_TIMEOUT = 15.0


@dataclass(frozen=True)
class SSHServer:
    port: int
    directory: Path
    host_key_line: str  # "ssh-ed25519 AAAA..." as it appears in known_hosts
    client_key: Path
    other_client_key: Path  # a valid key that is not authorized
    user: str

    def known_hosts_entry(self, host: str = "127.0.0.1") -> str:
        return f"[{host}]:{self.port} {self.host_key_line}\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def generate_key(path: Path, key_type: str = "ed25519") -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", "fleetctl-test", "-f", str(path)], check=True)
    key_type_name, base64, *_ = path.with_suffix(".pub").read_text().split()
    return f"{key_type_name} {base64}"


def write_config(directory: Path, port: int) -> Path:
    config = directory / "sshd_config"
    config.write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {directory / 'host_ed25519'}\n"
        f"PidFile {directory / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {directory / 'authorized_keys'}\n"
        "StrictModes no\n"
        "UsePAM no\n"
        "PermitRootLogin prohibit-password\n"
        "PubkeyAuthentication yes\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "AllowTcpForwarding yes\n"
        "MaxStartups 100\n"
        "LogLevel VERBOSE\n"
        # Like every stock sshd: fleetctl uploads files over SFTP.
        "Subsystem sftp internal-sftp\n"
    )
    return config


def wait_for_banner(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited with {process.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                if connection.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not answer on port {port}: {log.read_text()}")


def start_sshd(directory: Path) -> tuple[SSHServer, subprocess.Popen]:
    assert os.path.exists(SSHD), "openssh-server is needed: apt-get install -y openssh-server"
    assert os.geteuid() == 0, "the test sshd runs as root so that it can log users in"
    assert shutil.which("ssh-keygen"), "ssh-keygen is needed: apt-get install -y openssh-client"
    # sshd refuses to start without its privilege separation directory.
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    host_key_line = generate_key(directory / "host_ed25519")
    client_key_line = generate_key(directory / "client_ed25519")
    generate_key(directory / "other_ed25519")
    (directory / "authorized_keys").write_text(client_key_line + "\n")
    port = free_port()
    config = write_config(directory, port)
    log = directory / "sshd.log"
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=log.open("w")
    )
    try:
        wait_for_banner(port, process, log)
    except Exception:
        process.kill()
        process.wait()
        raise
    server = SSHServer(
        port=port,
        directory=directory,
        host_key_line=host_key_line,
        client_key=directory / "client_ed25519",
        other_client_key=directory / "other_ed25519",
        user="root",
    )
    return server, process


def stop_sshd(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- a host with an unprivileged login user and sudo ---------------------------------------
# The sshd above logs in root, who reads every file. What an unprivileged login user with
# passwordless sudo (a become host) can and cannot do is tried on a container of the lab's
# host image (`fleetctl lab up` builds it; its user deploy has passwordless sudo), running
# only sshd: no systemd to boot, its own host key, our client key.

SUDO_USER = "deploy"


@dataclass(frozen=True)
class SudoHost:
    container: str
    address: str
    known_hosts: Path
    client_key: Path
    user: str = SUDO_USER


def start_sudo_host(directory: Path, image: str) -> SudoHost:
    assert shutil.which("docker"), "docker is needed for this test"
    present = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
    assert present.returncode == 0, f"the lab's host image {image} is needed: run `fleetctl lab up` once"
    host_key_line = generate_key(directory / "host_ed25519")
    client_key_line = generate_key(directory / "client_ed25519")
    authorized_keys = directory / "authorized_keys"
    authorized_keys.write_text(client_key_line + "\n")
    authorized_keys.chmod(0o644)  # read by sshd as the login user
    # Unique per host, not per process: a module may run two at once (a builder and an app host).
    container = f"fleetctl-test-sudo-host-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    subprocess.run([
        "docker", "run", "--detach", "--rm", "--name", container,
        "--volume", f"{directory / 'host_ed25519'}:/etc/ssh/ssh_host_ed25519_key:ro",
        "--volume", f"{directory / 'host_ed25519.pub'}:/etc/ssh/ssh_host_ed25519_key.pub:ro",
        "--volume", f"{authorized_keys}:/home/{SUDO_USER}/.ssh/authorized_keys:ro",
        "--entrypoint", "sh", image, "-c", "mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e",
    ], check=True, capture_output=True)
    try:
        address = subprocess.run(
            ["docker", "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container],
            check=True, capture_output=True, text=True).stdout.strip()
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers_ssh(address):
            if time.monotonic() > deadline:
                logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
                raise RuntimeError(f"sshd in {container} did not answer at {address}:22: {logs.stderr}")
            time.sleep(0.1)
    except Exception:
        stop_sudo_host(container)
        raise
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(f"{address} {host_key_line}\n")
    return SudoHost(container, address, known_hosts, directory / "client_ed25519")


def _answers_ssh(address: str) -> bool:
    try:
        with socket.create_connection((address, 22), timeout=1) as connection:
            return connection.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def stop_sudo_host(container: str) -> None:
    subprocess.run(["docker", "rm", "--force", container], capture_output=True)
