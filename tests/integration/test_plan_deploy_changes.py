"""`fleetctl plan` shows what `fleetctl deploy` would change on each host, and it is what deploy then does."""

import json

import pytest
from deploy_helpers import deploy, host_names, make_app, run, set_version, wipe_app, write_inventory

APP, PORT = "t-plan", 3219
PERSONAS = ("server", "container")  # one clustered, one single-mode host


def plan_rows(inventory) -> dict[str, dict]:
    done = run("plan", str(inventory), "--json")
    assert done.returncode == 0, done.stderr
    return {row["host"]: row["deploy"] for row in json.loads(done.stdout)}


@pytest.fixture(scope="module")
def setup(lab, tmp_path_factory):
    wipe_app(lab, APP, PERSONAS)
    folder = tmp_path_factory.mktemp("plan")
    app = make_app(folder / "app", "1.0.0")
    inventory = write_inventory(lab, folder / "inventory.yaml", APP, PORT, app, personas=PERSONAS)
    return inventory, app, host_names(lab, PERSONAS)


def test_a_first_deploy_is_planned_step_by_step_then_done(setup):
    inventory, _, names = setup
    planned = plan_rows(inventory)
    for persona in PERSONAS:
        changes = planned[names[persona]]
        assert (changes["release_action"], changes["activation"]) == ("upload", "restart")
        assert changes["steps"][0] == f"useradd --system --user-group --no-create-home --home-dir /opt/{APP} " \
                                      f"--shell /usr/sbin/nologin {APP}"
        assert changes["unit_diff"].startswith("--- /dev/null")
    result = deploy(inventory)
    assert result.returncode == 0, result.stderr
    assert all(changes["release_action"] == "none" and changes["steps"] == []
               for changes in plan_rows(inventory).values())


def test_a_new_release_is_planned_as_reload_on_a_cluster_and_restart_in_single_mode(setup):
    inventory, app, names = setup
    set_version(app, "1.0.1")
    planned = plan_rows(inventory)
    assert planned[names["server"]]["activation"] == "reload"
    assert planned[names["container"]]["activation"] == "restart"
    for changes in planned.values():
        assert changes["release_action"] == "upload" and changes["unit_diff"] == ""
        assert changes["steps"][0].startswith(f"write /opt/{APP}/releases/.")  # the upload, nothing before it
    rows = {row["host"]: row for row in json.loads(deploy(inventory).stdout)["hosts"]}
    assert {host: row["activation"] for host, row in rows.items()} == {
        names["server"]: "reload", names["container"]: "restart"}, rows  # a failed host's detail says why
