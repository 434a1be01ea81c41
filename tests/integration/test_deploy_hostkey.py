"""Issue 5 on the lab: a deploy to a host whose key is not known is refused before anything is
changed on it (and trust on first use stays opt-in)."""

import yaml
from deploy_helpers import addresses, deploy, host_names, make_app, remote, wipe_app, write_inventory

APP = "t-hostkey"
PORT = 3204


def test_an_unknown_host_key_is_refused_and_nothing_is_deployed(lab, tmp_path):
    server = host_names(lab, ("server",))["server"]
    address = addresses(lab, ("server",))[server]
    wipe_app(lab, APP, ("server",))
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    path = write_inventory(lab, tmp_path / "inventory.yaml", APP, PORT, make_app(tmp_path / "app", "1.0.0"),
                           personas=("server",))
    data = yaml.safe_load(path.read_text())
    data["all"]["vars"]["fleet_known_hosts_file"] = str(empty)
    data["all"]["vars"]["ansible_ssh_common_args"] = f"-o UserKnownHostsFile={empty} -o StrictHostKeyChecking=yes"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    result = deploy(path)
    assert result.returncode == 1, result.stdout + result.stderr
    [row] = result.document["hosts"]
    assert row["host"] == server and row["result"] == "failed"
    assert "host key" in row["detail"].lower(), row
    assert result.document["ok"] is False
    assert empty.read_text() == ""  # nothing was learned
    code, _ = remote(lab, address, f"test -e /opt/{APP} || test -e /etc/fleet/{APP}.env || id {APP}")
    assert code != 0, "the refused deploy changed the host"
