"""A first deploy that fails its health gate has nothing to roll back to: it leaves the host as it was.

Server and container only (one clustered, one single-mode host): the proof needs no emulated pi.
"""

import pytest
from deploy_helpers import deploy, host_names, make_app, remote, set_version, wipe_app, write_inventory

APP = "t-first"
PORT = 3206
PERSONAS = ("server", "container")
TRACES = (f"/opt/{APP}", f"/etc/systemd/system/fleet-{APP}.service", f"/etc/systemd/system/fleet-{APP}.socket",
          f"/etc/fleet/{APP}.env", f"/etc/fleet/{APP}.process.json")


@pytest.fixture(scope="module")
def failed_first_deploy(lab, tmp_path_factory):
    folder = tmp_path_factory.mktemp("first")
    src = make_app(folder / "app", "1.0.0")
    set_version(src, "1.0.0", fail_on="*")
    inventory = write_inventory(lab, folder / "inventory.yaml", APP, PORT, src, personas=PERSONAS,
                                all_vars={"fleet_serial": "100%", "fleet_health_timeout": 20,
                                          "fleet_health_retries": 2,
                                          "fleet_app_env": {"API_TOKEN": "first-secret"}})
    wipe_app(lab, APP, PERSONAS)
    return deploy(inventory)


def test_a_failed_first_deploy_says_so_plainly(failed_first_deploy, lab):
    assert failed_first_deploy.returncode == 1, failed_first_deploy.stderr
    for name, row in failed_first_deploy.hosts().items():
        assert row["result"] == "failed", row
        assert "health gate failed" in row["detail"], row
        assert row["detail"].endswith("a first deploy, so no earlier release to return to: "
                                      "the host is left as it was before it"), row
        assert "rollback FAILED" not in row["detail"]
    assert set(failed_first_deploy.hosts()) == set(host_names(lab, PERSONAS).values())


def test_a_failed_first_deploy_leaves_no_trace_on_the_host(failed_first_deploy, lab):
    for persona in PERSONAS:
        address = next(iter(lab.hosts(persona).values()))
        code, output = remote(lab, address, " ; ".join(f"test ! -e {path} || echo left: {path}" for path in TRACES)
                              + f"; id -u {APP} >/dev/null 2>&1 && echo left: user {APP}"
                              + f"; systemctl is-enabled fleet-{APP}.service fleet-{APP}.socket 2>/dev/null"
                              + f"; systemctl is-active fleet-{APP}.socket 2>/dev/null; true")
        assert "left:" not in output, f"{persona}: {output}"
        assert "enabled" not in output and "active" not in output.replace("inactive", ""), f"{persona}: {output}"
        # The port is free again: the socket unit that held it is gone.
        code, listening = remote(lab, address,
                                 f"cat /proc/net/tcp /proc/net/tcp6 | grep -Eci ':{PORT:04X} 0+:0000 0A'")
        assert listening.strip() == "0", f"{persona}: {listening}"
