"""Host key verification against a known_hosts file.

fabric's Connection accepts any host key (AutoAddPolicy). We replace that:
an unknown key is refused, or with trust on first use accepted and appended
to the known_hosts file; a changed key is refused always (paramiko raises
BadHostKeyException before any policy is asked).
"""

import functools
import os
import re
from pathlib import Path

from paramiko import HostKeys, MissingHostKeyPolicy, PKey, RejectPolicy, SSHClient, SSHException
from paramiko.hostkeys import HostKeyEntry, InvalidHostKey
from paramiko.util import constant_time_bytes_eq

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


class HostKeysFor(HostKeys):
    """The known_hosts entries of one host only, read as paramiko's HostKeys.load reads them.

    paramiko's load() decodes every key in the file and checks each against all
    those before it: with a fleet's known_hosts and one client per host, that
    was about a tenth of `fleetctl plan`'s CPU on 50 hosts. Only the lines
    naming the host (plainly or hashed, as paramiko matches them) are loaded
    here, in file order, so lookups of that host answer exactly as with the
    whole file.
    """

    def __init__(self, known_hosts: Path, host_key_name: str) -> None:
        super().__init__()
        revoked: set[str] = set()
        for lineno, line in _candidate_lines(known_hosts, host_key_name):
            if line.startswith("@revoked"):  # OpenSSH's marker (paramiko cannot parse it): never trust that key
                fields = line.split()
                if len(fields) >= 4 and _names_host(" ".join(fields[1:]), host_key_name):
                    revoked.add(fields[3])
                continue
            if line[0] in "#@" or not _names_host(line, host_key_name):
                continue
            try:
                entry = HostKeyEntry.from_line(line, lineno)
            except (SSHException, InvalidHostKey):  # a broken line: skipped, as OpenSSH does
                continue
            if entry is not None:
                for name in list(entry.hostnames):
                    if self.check(name, entry.key):
                        entry.hostnames.remove(name)
                if entry.hostnames:
                    self._entries.append(entry)
        self._entries = [entry for entry in self._entries if entry.key.get_base64() not in revoked]


def _candidate_lines(known_hosts: Path, host_key_name: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines that may name the host, in file order: those naming it plainly, and
    every line with a hashed (or @-marked) host field, which only _names_host can judge."""
    status = known_hosts.stat()
    plain, others = _indexed(str(known_hosts), status.st_mtime_ns, status.st_size, status.st_ino)
    return sorted([*plain.get(host_key_name, ()), *others])


@functools.lru_cache(maxsize=4)
def _indexed(path: str, mtime_ns: int, size: int, inode: int) -> tuple[dict[str, list[tuple[int, str]]],
                                                                        list[tuple[int, str]]]:
    """known_hosts read once per version of the file (its mtime, size and inode are the key), however many
    hosts a command connects to: plain host names -> their lines, and the lines to check one by one."""
    plain: dict[str, list[tuple[int, str]]] = {}
    others: list[tuple[int, str]] = []
    with open(path) as lines:
        for lineno, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line[0] == "#":
                continue
            field = re.split(" |\t", line, maxsplit=1)[0]
            if line[0] == "@" or "|1|" in field:
                others.append((lineno, line))
                continue
            for name in set(field.split(",")):
                plain.setdefault(name, []).append((lineno, line))
    return plain, others


def _names_host(line: str, host_key_name: str) -> bool:
    """Does the line's host field name host_key_name (paramiko's matching: exact, or a |1| hash)?"""
    for pattern in re.split(" |\t", line, maxsplit=1)[0].split(","):
        if pattern == host_key_name:
            return True
        if pattern.startswith("|1|"):
            try:
                if constant_time_bytes_eq(HostKeys.hash_host(host_key_name, pattern), pattern):
                    return True
            except Exception:  # a malformed hash: let paramiko's parser judge the line, as it did
                return True
    return False


def verify_host_keys(client: SSHClient, known_hosts: Path, trust_on_first_use: bool,
                     host_key_name: str | None = None) -> None:
    """Make client check host keys against known_hosts, replacing fabric's AutoAddPolicy.

    host_key_name: how known_hosts names the host the client will connect to
    (known_hosts_name(host, port)); only its entries are loaded then.
    """
    # Loaded as "system" keys so paramiko never rewrites the user's file.
    if known_hosts.is_file():
        if host_key_name is None:
            client.load_system_host_keys(str(known_hosts))
        else:
            client._system_host_keys = HostKeysFor(known_hosts, host_key_name)
    policy = TrustOnFirstUse(known_hosts) if trust_on_first_use else RejectUnknownHostKey()
    client.set_missing_host_key_policy(policy)
