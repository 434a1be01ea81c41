"""`fleetctl plan` on the lab: each persona is probed over real SSH and decided as the seeds say."""

import json
import os

import pytest
import yaml

from conftest import LabInventory, fleetctl


@pytest.fixture(scope="module")
def lab_plan(lab) -> dict[str, dict]:
    done = fleetctl("plan", str(lab.path), "--json", check=False)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    by_group = {}
    for group in ("server", "vm", "container", "pi"):
        name = next(iter(lab.hosts(group)))
        by_group[group] = next(row for row in rows if row["host"] == name)
    return by_group


def test_json_rows_carry_the_documented_contract(lab_plan):
    for row in lab_plan.values():
        assert {"host", "kind", "mode", "workers", "scheduling", "reason", "facts", "error"} <= set(row)
        assert row["error"] is None


def test_pi_is_single_on_aarch64(lab_plan):
    row = lab_plan["pi"]
    assert (row["kind"], row["mode"], row["workers"], row["facts"]["arch"]) == ("pi", "single", 1, "aarch64")
    assert "Raspberry Pi 4" in row["kind_evidence"]


def test_container_is_single_with_effective_cpus_equal_to_its_quota(lab_plan):
    row = lab_plan["container"]
    assert (row["kind"], row["mode"]) == ("container", "single")
    assert row["facts"]["cpu_quota"] == 1.5
    assert row["facts"]["cpus_effective"] == 1.5
    assert row["facts"]["memory_effective_mb"] == 512


def test_vm_is_detected_without_a_label_and_clustered_by_its_cpus(lab_plan, lab):
    vm_group = lab.data["all"]["children"]["vm"]
    assert "fleet_kind" not in vm_group.get("vars", {})
    row = lab_plan["vm"]
    assert row["kind"] == "vm" and "fleet_kind" not in row["kind_evidence"]
    assert row["mode"] == "cluster" and row["scheduling"] == "rr"
    assert row["workers"] == int(row["facts"]["cpus_effective"]) == os.cpu_count()


def test_server_is_labelled_and_clustered(lab_plan):
    row = lab_plan["server"]
    assert row["kind"] == "server" and "set by fleet_kind" in row["kind_evidence"]
    assert row["mode"] == "cluster" and row["workers"] >= 2


def test_unreachable_host_and_wrong_host_key_are_failed_rows_others_still_print(lab, tmp_path):
    inventory = yaml.safe_load(lab.path.read_text())
    server_name, server_address = next(iter(lab.hosts("server").items()))
    # A known_hosts in which the server's key is another host's key.
    vm_address = next(iter(lab.hosts("vm").values()))
    wrong_known_hosts = tmp_path / "known_hosts"
    lines = lab.path.parent.joinpath(lab.vars["fleet_known_hosts_file"]).read_text().splitlines()
    vm_key = next(line.split(" ", 1)[1] for line in lines if line.startswith(vm_address + " "))
    wrong_known_hosts.write_text(
        "\n".join(line for line in lines if not line.startswith(server_address + " ")) + f"\n{server_address} {vm_key}\n"
    )
    inventory["all"]["vars"]["fleet_known_hosts_file"] = str(wrong_known_hosts)
    inventory["all"]["children"]["server"]["hosts"]["ghost"] = {"ansible_host": "172.30.255.254"}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(inventory))
    done = fleetctl("plan", str(path), "--json", "--limit", "server,vm", check=False, timeout=120)
    assert done.returncode == 1
    rows = {row["host"]: row for row in json.loads(done.stdout)}
    assert "host key" in rows[server_name]["error"] and rows[server_name]["error"].count("\n") == 0
    assert rows["ghost"]["error"].startswith("ghost: ")
    vm_name = next(iter(lab.hosts("vm")))
    assert rows[vm_name]["error"] is None and rows[vm_name]["mode"] == "cluster"


def test_plan_changes_nothing_on_the_hosts(lab):
    host = lab.testinfra_host(next(iter(lab.hosts("vm").values())))
    before = host.check_output("sudo -n find /etc/systemd/system /opt -newer /etc/hostname 2>/dev/null | sort")
    fleetctl("plan", str(lab.path))
    after = host.check_output("sudo -n find /etc/systemd/system /opt -newer /etc/hostname 2>/dev/null | sort")
    assert before == after



def test_facts_are_read_from_the_services_slice_not_the_ssh_logins(lab, tmp_path):
    """The lab's capped host (added for this test, then removed): its system.slice may use half a CPU, its SSH
    logins run in user.slice without that quota. The facts, and so the decision, are system.slice's; an app
    with a slice of its own (fleet_app_slice) gets that slice's."""
    up = fleetctl("lab", "up", "--hosts", "capped=1", check=False)
    assert up.returncode == 0, up.stderr
    try:
        capped = LabInventory(lab.path)
        name, address = next(iter(capped.hosts("capped").items()))
        host = capped.testinfra_host(address)
        login_cpu = host.check_output("grep -E '^[0-9]+:cpu(,|:)' /proc/self/cgroup").split(":", 2)[2]
        assert login_cpu.endswith("/user.slice")
        assert host.check_output(f"cat /sys/fs/cgroup/cpu{login_cpu}/cpu.cfs_quota_us") == "-1"  # no quota here
        done = fleetctl("plan", str(lab.path), "--json", "--limit", name, check=False)
        assert done.returncode == 0, done.stderr
        [row] = json.loads(done.stdout)
        facts = row["facts"]
        assert (facts["service_slice"], facts["cpu_quota"], facts["cpus_effective"]) == ("system.slice", 0.5, 0.5)
        assert (row["mode"], row["row"]) == ("single", "few-cpus")  # two CPUs online, half of one for services
        host.check_output("printf '[Slice]\\nCPUQuota=150%%\\n' | sudo -n tee /run/systemd/system/t-fleet.slice"
                          " >/dev/null && sudo -n systemctl daemon-reload && sudo -n systemctl start t-fleet.slice")
        inventory = yaml.safe_load(lab.path.read_text())
        inventory["all"]["children"]["capped"]["vars"]["fleet_app_slice"] = "t-fleet.slice"
        own_slice = tmp_path / "own-slice.yaml"
        own_slice.write_text(yaml.safe_dump(inventory))
        done = fleetctl("facts", str(own_slice), "--limit", name, check=False)
        assert done.returncode == 0, done.stderr
        [entry] = json.loads(done.stdout)
        assert (entry["facts"]["service_slice"], entry["facts"]["cpu_quota"]) == ("t-fleet.slice", 1.5)
    finally:
        down = fleetctl("lab", "up", "--hosts", "capped=0", check=False)
        assert down.returncode == 0, down.stderr
