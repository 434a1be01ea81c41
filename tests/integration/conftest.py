"""The lab fleet for integration tests: real systemd + sshd hosts, reached over real SSH.

The session starts the lab once with `fleetctl lab up` (the same command users
run) and hands tests the inventory it wrote.
"""

import subprocess
import sys
from pathlib import Path

import paramiko
import pytest
import testinfra.host
import yaml
from testinfra.backend.paramiko import ParamikoBackend

REPO = Path(__file__).resolve().parents[2]
LAB_INVENTORY = REPO / "inventories" / "lab.yaml"


def fleetctl(*args: str, check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fleetctl", *args], cwd=REPO, capture_output=True, text=True,
        timeout=timeout, check=check,
    )


class LabInventory:
    def __init__(self, path: Path):
        self.path = path
        self.data = yaml.safe_load(path.read_text())
        self.vars = self.data["all"]["vars"]

    def hosts(self, group: str) -> dict[str, str]:
        """host name -> address of a persona's group."""
        hosts = self.data["all"]["children"][group]["hosts"]
        return {name: host_vars["ansible_host"] for name, host_vars in hosts.items()}

    def ssh_client(self, address: str, known_hosts: Path | None = None) -> paramiko.SSHClient:
        """A paramiko client that trusts only the keys in known_hosts (the lab's by default)."""
        client = paramiko.SSHClient()
        client.load_host_keys(str(known_hosts or self.vars["fleet_known_hosts_file"]))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            address, port=self.vars["ansible_port"], username=self.vars["ansible_user"],
            key_filename=self.vars["ansible_ssh_private_key_file"], timeout=20,
            allow_agent=False, look_for_keys=False,
        )
        return client

    def testinfra_host(self, address: str) -> testinfra.host.Host:
        """testinfra over our own checked paramiko connection (its backend would accept unknown keys)."""
        backend = ParamikoBackend(f"paramiko://{self.vars['ansible_user']}@{address}")
        backend.client = self.ssh_client(address)
        return testinfra.host.Host(backend)


@pytest.fixture(scope="session")
def lab() -> LabInventory:
    done = fleetctl("lab", "up", check=False)
    assert done.returncode == 0, f"fleetctl lab up failed:\n{done.stderr}"
    return LabInventory(LAB_INVENTORY)


@pytest.fixture(scope="session")
def persona_hosts(lab: LabInventory):
    """persona -> testinfra host of its first lab host."""
    return {group: lab.testinfra_host(next(iter(lab.hosts(group).values())))
            for group in ("server", "vm", "container", "pi")}
