"""Host key verification against a known_hosts file.

fabric's Connection accepts any host key (AutoAddPolicy). We replace that:
an unknown key is refused, or with trust on first use accepted and appended
to the known_hosts file; a changed key is refused always (paramiko raises
BadHostKeyException before any policy is asked).
"""

import os
from pathlib import Path

from paramiko import HostKeys, MissingHostKeyPolicy, PKey, RejectPolicy, SSHClient, SSHException

DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"


class UnknownHostKey(SSHException):
    def __init__(self, host_key_name: str) -> None:
        super().__init__(f"unknown host key for {host_key_name}")
        self.host_key_name = host_key_name


def known_hosts_name(host: str, port: int) -> str:
    """How known_hosts names a host: bare on port 22, "[host]:port" otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def _pattern_matches(pattern: str, name: str) -> bool:
    if pattern.startswith("|1|"):
        try:
            return HostKeys.hash_host(name, pattern) == pattern
        except (ValueError, AssertionError):
            return False
    return pattern == name


def known_hosts_lines(path: Path, name: str) -> list[int]:
    """Line numbers of the known_hosts entries for name (plain or hashed)."""
    if not path.is_file():
        return []
    lines = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith(("#", "@")):
            continue
        if any(_pattern_matches(pattern, name) for pattern in fields[0].split(",")):
            lines.append(number)
    return lines


class RejectUnknownHostKey(RejectPolicy):
    """paramiko's RejectPolicy, raising an exception we can tell apart from other SSH errors."""

    def missing_host_key(self, client: SSHClient, hostname: str, key: PKey) -> None:
        raise UnknownHostKey(hostname)


class TrustOnFirstUse(MissingHostKeyPolicy):
    """Accept a host never seen before and record its key in known_hosts."""

    def __init__(self, known_hosts: Path) -> None:
        self.known_hosts = known_hosts

    def missing_host_key(self, client: SSHClient, hostname: str, key: PKey) -> None:
        self.known_hosts.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.known_hosts, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a") as known_hosts:
            known_hosts.write(f"{hostname} {key.get_name()} {key.get_base64()}\n")
        client.get_host_keys().add(hostname, key.get_name(), key)


def verify_host_keys(client: SSHClient, known_hosts: Path, trust_on_first_use: bool) -> None:
    """Make client check host keys against known_hosts, replacing fabric's AutoAddPolicy."""
    # Loaded as "system" keys so paramiko never rewrites the user's file.
    if known_hosts.is_file():
        client.load_system_host_keys(str(known_hosts))
    policy = TrustOnFirstUse(known_hosts) if trust_on_first_use else RejectUnknownHostKey()
    client.set_missing_host_key_policy(policy)
