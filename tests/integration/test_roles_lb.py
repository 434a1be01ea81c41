"""Issue 6 on the lab: the nginx-lb role on the lab's load-balancer host in front of every persona,
a new release rolled out under constant load through the load balancer with zero failed requests
(single-mode hosts included), the plan of it, a failed backend rolled back and put back in the
upstream by the undrain cleanup hook, --abort-rolls-back batch by batch with the balancer's files put
back, and the node role's clear refusal."""

import pytest
from deploy_helpers import (
    PERSONAS, LoadGenerator, addresses, deploy, host_names, http_get, make_app, remote, run, served_version,
    served_versions, set_version, wipe_app, write_inventory,
)

APP = "t-lb"
PORT = 3401
LB_PORT = 8401
LB_NAME = "tlb"
CONF = f"/etc/nginx/conf.d/{LB_NAME}-lb.conf"


@pytest.fixture(scope="module")
def app_src(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("lb") / "app", "1.0.0")


@pytest.fixture(scope="module")
def lb(lab):
    name, address = next(iter(lab.hosts("lb").items()))
    return name, address


@pytest.fixture(scope="module")
def inventory(lab, app_src, tmp_path_factory):
    return write_inventory(lab, tmp_path_factory.mktemp("lb-inv") / "inventory.yaml", APP, PORT, app_src,
                           personas=(*PERSONAS, "lb"),
                           group_vars={"lb": {"nginx_lb_name": LB_NAME, "nginx_lb_port": LB_PORT}})


@pytest.fixture(scope="module")
def first_deploy(lab, inventory, lb):
    wipe_app(lab, APP)
    remote(lab, lb[1], f"rm -f {CONF} /usr/local/sbin/fleet-nginx-lb-{LB_NAME}; "
                       "systemctl reload nginx 2>/dev/null; true")
    result = deploy(inventory)
    assert result.returncode == 0, result.stderr
    return result


def test_the_load_balancer_is_deployed_first_and_balances_every_app_host(lab, first_deploy, lb):
    rows = first_deploy.document["hosts"]
    assert rows[0]["host"] == lb[0] and rows[0]["result"] == "deployed"
    assert all(row["result"] == "deployed" for row in rows)
    code, conf = remote(lab, lb[1], f"cat {CONF}")
    assert code == 0
    for name, address in addresses(lab).items():
        assert f"    server {address}:{PORT};  # fleet-host {name}\n" in conf
    assert lb[1] not in conf
    pids = {served_pid(lab, lb[1]) for _ in range(40)}
    assert len(pids) >= 4, f"40 requests through the load balancer reached only {pids}"


def served_pid(lab, address) -> str:
    import http.client
    connection = http.client.HTTPConnection(address, LB_PORT, timeout=10)
    connection.request("GET", "/")
    body = connection.getresponse().read().decode()
    connection.close()
    assert body.startswith("hello from "), body
    return body.split("pid ")[1].rstrip(")\n")


def test_plan_shows_the_drain_hooks_and_nothing_for_the_load_balancer(inventory, first_deploy, lab, lb, app_src):
    set_version(app_src, "1.0.1-plan")
    try:
        plan = run("plan", str(inventory), "--json")
    finally:
        set_version(app_src, "1.0.0")
    rows = {row["host"]: row for row in plan.document}
    assert rows[lb[0]]["roles"] == ["nginx-lb"]
    assert rows[lb[0]]["deploy"]["steps"] == [] and rows[lb[0]]["deploy"]["hooks"] == {}
    name = host_names(lab)["container"]
    hooks = rows[name]["deploy"]["hooks"]
    assert hooks["before_switch"] == [f"before_switch on {lb[0]}: /usr/local/sbin/fleet-nginx-lb-{LB_NAME} drain "
                                      f"{name} (role nginx-lb of {lb[0]})"]
    assert hooks["after_host"][0].startswith(f"after_host on {lb[0]}: /usr/local/sbin/fleet-nginx-lb-{LB_NAME} undrain")


def test_a_rollout_through_the_load_balancer_fails_no_request(lab, inventory, app_src, first_deploy, lb):
    set_version(app_src, "1.0.1")
    # A keep-alive client and a new-connection client, GET: an nginx reload (two per backend) closes
    # idle keep-alive connections, and the keep-alive client sends such a request again (RFC 9112 9.3.1).
    with LoadGenerator({"lb": (lb[1], LB_PORT)}, pause=0.01, max_requests=50000, max_seconds=300,
                       retry_stale_keep_alive=True) as load:
        result = deploy(inventory)
    stats = load.stats["lb"]
    print(load.report())
    assert result.returncode == 0, result.stderr
    assert [row["result"] for row in result.document["hosts"]] == ["unchanged"] + ["deployed"] * 4
    assert stats.failed == 0, load.report()
    assert stats.stale_retries <= 8, load.report()  # at most one per reload
    assert stats.ok > 500, load.report()
    assert stats.versions["1.0.0"] and stats.versions["1.0.1"], load.report()
    assert stats.last_version == "1.0.1"
    # Every backend is back in the upstream: the file is again exactly what the role renders.
    code, conf = remote(lab, lb[1], f"cat {CONF}")
    assert " down;" not in conf
    again = deploy(inventory)
    assert {row["result"] for row in again.document["hosts"]} == {"unchanged"}


def test_a_failed_backend_is_rolled_back_and_back_in_the_upstream_serving(lab, inventory, app_src, first_deploy, lb,
                                                                          tmp_path):
    """The undrain hook undoes the drain whatever happens: a backend whose new release fails its health gate is
    drained, rolled back, healthy, and put back into nginx's upstream, where it serves again."""
    name = host_names(lab)["container"]
    address = addresses(lab)[name]
    quick = write_inventory(lab, tmp_path / "quick.yaml", APP, PORT, app_src, personas=(*PERSONAS, "lb"),
                            all_vars={"fleet_health_timeout": 10, "fleet_health_retries": 2},
                            group_vars={"lb": {"nginx_lb_name": LB_NAME, "nginx_lb_port": LB_PORT}})
    before = served_version(address, PORT)
    set_version(app_src, "1.0.2", fail_on="container")
    result = deploy(quick, "--limit", f"{lb[0]},{name}")
    assert result.returncode == 1
    row = result.hosts()[name]
    assert row["result"] == "rolled back" and "health gate failed" in row["detail"], row
    assert f"rolled back to {row['from']}, healthy" in row["detail"]
    assert f"hook before_switch on {lb[0]}: /usr/local/sbin/fleet-nginx-lb-{LB_NAME} drain {name}" in result.stderr
    assert f"cleanup hook after_host on {lb[0]}: /usr/local/sbin/fleet-nginx-lb-{LB_NAME} undrain {name}" \
        in result.stderr
    code, conf = remote(lab, lb[1], f"cat {CONF}")
    assert f"    server {address}:{PORT};  # fleet-host {name}\n" in conf and " down;" not in conf
    status, body = http_get(address, PORT)
    assert status == 200 and body.startswith(f"hello from {before} ")  # its old release, healthy
    backend_pid = body.split("pid ")[1].rstrip(")\n")
    assert any(served_pid(lab, lb[1]) == backend_pid for _ in range(60)), "the container never served through nginx"


def test_abort_rolls_back_batch_by_batch_and_puts_the_load_balancers_files_back(lab, app_src, first_deploy, lb,
                                                                               tmp_path):
    """--abort-rolls-back follows fleet_serial (one host at a time here: the hooks' log shows no overlap) and
    returns the role files the rollout changed: the load balancer's drain tool is as it was."""
    names = host_names(lab)
    tool = f"/usr/local/sbin/fleet-nginx-lb-{LB_NAME}"
    _, tool_before = remote(lab, lb[1], f"cat {tool}")
    log = tmp_path / "hooks.log"
    line = 'echo "$0 $FLEET_HOST" >> ' + str(log)
    aborting = write_inventory(
        lab, tmp_path / "aborting.yaml", APP, PORT, app_src, personas=(*PERSONAS, "lb"),
        all_vars={"fleet_health_timeout": 10, "fleet_health_retries": 2, "fleet_serial": 1, "fleet_hooks": {
            "before_host": [{"command": ["sh", "-c", line, "start"], "delegate_to": "localhost"}],
            "after_host": [{"command": ["sh", "-c", line, "end"], "delegate_to": "localhost"}]}},
        group_vars={"lb": {"nginx_lb_name": LB_NAME, "nginx_lb_port": LB_PORT, "nginx_lb_drain_timeout": 61}})
    before = served_versions(lab, PORT, ("server", "vm", "container"))
    set_version(app_src, "1.0.3", fail_on="container")
    backends = [names[persona] for persona in ("server", "vm", "container")]
    result = deploy(aborting, "--limit", ",".join([lb[0], *backends]), "--abort-rolls-back")
    assert result.returncode == 1
    rows = result.hosts()
    assert [rows[name]["result"] for name in (lb[0], *backends)] == ["deployed", "deployed", "deployed", "rolled back"]
    aborted = {row["host"]: row for row in result.document["abort_rollbacks"]}
    assert [row["host"] for row in result.document["abort_rollbacks"]] == [*backends[:2], lb[0]]
    for name in backends[:2]:
        assert (aborted[name]["result"], aborted[name]["to"]) == ("deployed", rows[name]["from"]), aborted[name]
    assert aborted[lb[0]]["detail"].startswith("roles nginx-lb: 1 file(s) put back as they were")
    server, vm, container = backends
    assert log.read_text().splitlines() == [
        f"start {lb[0]}", f"end {lb[0]}", f"start {server}", f"end {server}", f"start {vm}", f"end {vm}",
        f"start {container}",  # fails: the rollout stops and goes back, one host at a time, the balancer last
        f"start {server}", f"end {server}", f"start {vm}", f"end {vm}", f"start {lb[0]}", f"end {lb[0]}"]
    _, tool_after = remote(lab, lb[1], f"cat {tool}")
    assert tool_after == tool_before and "timeout=60" in tool_after
    assert served_versions(lab, PORT, ("server", "vm", "container")) == before
    code, conf = remote(lab, lb[1], f"cat {CONF}")
    assert " down;" not in conf


def test_the_node_role_refuses_an_old_node_and_leaves_the_host_as_it_was(lab, tmp_path, app_src):
    app = "t-noderole"
    wipe_app(lab, app, ("container",))
    inventory = write_inventory(lab, tmp_path / "inventory.yaml", app, 3402, app_src, personas=("container",),
                                all_vars={"fleet_roles": ["node"], "node_min_major": 99})
    result = deploy(inventory)
    assert result.returncode == 1
    (row,) = result.document["hosts"]
    assert row["result"] == "failed"
    assert row["detail"].endswith("node role: /usr/bin/node is major 18, the runtime needs 99 or newer "
                                  "(set node_install_package: true to install Debian's nodejs)")
    address = next(iter(lab.hosts("container").values()))
    code, output = remote(lab, address, f"test -e /opt/{app} || test -e /etc/systemd/system/fleet-{app}.service"
                                        f" || id {app} 2>/dev/null || echo untouched")
    assert output.strip() == "untouched"


def test_the_node_role_installs_debians_nodejs_when_allowed(lab, tmp_path, app_src, lb):
    """On the lb host (no app of its own in the lab), with nodejs removed: a deploy of an app with the
    node role and node_install_package installs Debian's package first, then deploys."""
    app = "t-nodeinstall"
    name, address = lb
    code, output = remote(lab, address, "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q nodejs >/dev/null 2>&1;"
                                        " test -e /usr/bin/node && echo present || echo removed", timeout=300)
    assert output.strip() == "removed"
    inventory = write_inventory(lab, tmp_path / "inventory.yaml", app, 3403, app_src, personas=("lb",),
                                group_vars={"lb": {"fleet_app_name": app, "fleet_roles": ["node"],
                                                   "node_install_package": True}})
    try:
        result = deploy(inventory, timeout=900)
        assert result.returncode == 0, result.stderr
        (row,) = result.document["hosts"]
        assert row["result"] == "deployed"
        assert "node role: installing Debian's nodejs (found: none)" not in result.stdout  # hook output stays on the host
        code, output = remote(lab, address, "/usr/bin/node --version")
        assert code == 0 and output.startswith("v18.")
    finally:
        remote(lab, address, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs"
                             " >/dev/null 2>&1", timeout=600)
        wipe_app(lab, app, ("lb",))
