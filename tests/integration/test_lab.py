"""The lab's hosts behave as real hosts of their kind, reached over SSH with host keys checked."""

import paramiko
import pytest

from fleetctl.lab.personas import PERSONAS as LAB_PERSONAS

PERSONAS = ("server", "vm", "container", "pi")  # the hosts with an app; lb is checked apart


@pytest.mark.parametrize("persona", PERSONAS)
def test_systemd_is_pid_1_and_running(persona_hosts, persona):
    host = persona_hosts[persona]
    assert host.process.get(pid=1).comm == "systemd"
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state in ("running", "degraded")


@pytest.mark.parametrize("persona", PERSONAS)
def test_sshd_node_python_and_sudo(persona_hosts, persona):
    host = persona_hosts[persona]
    assert host.service("ssh").is_running
    assert host.run("node --version").stdout.startswith("v")
    assert host.exists("python3")
    assert host.user().name == "deploy"
    assert host.run("sudo -n id -u").stdout.strip() == "0"


@pytest.mark.parametrize("persona, arch", [("server", "x86_64"), ("vm", "x86_64"), ("container", "x86_64"), ("pi", "aarch64")])
def test_architecture(persona_hosts, persona, arch):
    assert persona_hosts[persona].check_output("uname -m") == arch


def test_pi_has_raspberry_pi_device_tree_and_memory_limit(persona_hosts):
    host = persona_hosts["pi"]
    assert host.check_output("tr -d '\\0' < /sys/firmware/devicetree/base/model") == "Raspberry Pi 4 Model B Rev 1.4"
    limit = int(host.check_output(
        "cat /sys/fs/cgroup/memory$(grep ':memory:' /proc/self/cgroup | cut -d: -f3 | cut -d/ -f1-3)/memory.limit_in_bytes"
        " 2>/dev/null || cat /sys/fs/cgroup/memory.max"))
    assert limit == 1024 ** 3


def test_container_cpu_quota_is_visible(persona_hosts):
    host = persona_hosts["container"]
    # The container's own cgroup (the first three path elements: /docker/<id>) carries the quota.
    cgroup = host.check_output("grep -E ':cpu(,cpuacct)?:' /proc/self/cgroup | cut -d: -f3 | cut -d/ -f1-3")
    quota = int(host.check_output(f"cat /sys/fs/cgroup/cpu{cgroup}/cpu.cfs_quota_us"))
    period = int(host.check_output(f"cat /sys/fs/cgroup/cpu{cgroup}/cpu.cfs_period_us"))
    assert quota / period == 1.5
    assert host.run("systemd-detect-virt --container").stdout.strip() == "docker"


def test_vm_is_detected_as_vm_and_not_container(persona_hosts):
    host = persona_hosts["vm"]
    assert host.run("systemd-detect-virt --vm").stdout.strip() not in ("", "none")
    assert host.run("systemd-detect-virt --container").stdout.strip() == "none"


def test_wrong_host_key_in_known_hosts_is_refused(lab, tmp_path):
    address = next(iter(lab.hosts("server").values()))
    wrong = paramiko.Ed25519Key.from_private_key_file(lab.vars["ansible_ssh_private_key_file"])
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"{address} {wrong.get_name()} {wrong.get_base64()}\n")
    with pytest.raises(paramiko.BadHostKeyException):
        lab.ssh_client(address, known_hosts=known_hosts)


def test_unknown_host_key_is_refused(lab, tmp_path):
    address = next(iter(lab.hosts("server").values()))
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(paramiko.SSHException, match="not found in known_hosts"):
        lab.ssh_client(address, known_hosts=empty)


def test_inventory_has_one_group_per_persona_and_checks_host_keys(lab):
    on_demand = {name for name, persona in LAB_PERSONAS.items() if persona.on_demand}  # builders, when asked for
    assert set(lab.data["all"]["children"]) - on_demand == {*PERSONAS, "lb"}
    assert lab.data["all"]["children"]["lb"]["vars"] == {"fleet_app_name": None, "fleet_roles": ["nginx-lb"]}
    assert lab.data["all"]["children"]["server"]["vars"]["fleet_kind"] == "server"
    assert "StrictHostKeyChecking=yes" in lab.vars["ansible_ssh_common_args"]
