"""A throwaway OpenSSH server on 127.0.0.1 for transport tests: real sshd, real keys.

Started as root with its own host key, client key and authorized_keys, all in
a temporary directory; nothing of the machine's own SSH setup is used.
"""

import os
import shutil
import socket
import subprocess
import time
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
