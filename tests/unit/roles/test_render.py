"""inventory_roles: each host's role files and hooks rendered from the inventory (nginx-lb's upstream, drain hooks)."""

import pytest

from fleetctl.inventory import load_inventory
from fleetctl.roles.render import inventory_roles
from fleetctl.roles.role import RoleError

from ..inventories_with_roles import LB_INVENTORY, lb_inventory, write


def test_nginx_lb_renders_an_upstream_of_the_hosts_with_an_app(tmp_path):
    _, roles = lb_inventory(tmp_path)
    files = {file.path: file for file in roles["lb1"].files}
    conf = files["/etc/nginx/conf.d/fleet-lb.conf"].content.decode()
    assert "    server 10.0.0.1:3000;  # fleet-host web1\n" in conf
    assert "    server 10.0.0.2:3001;  # fleet-host web2\n" in conf
    assert "10.0.0.9" not in conf  # the load balancer has no app
    assert "listen 80 default_server;" in conf
    tool = files["/usr/local/sbin/fleet-nginx-lb-fleet"]
    assert tool.mode == 0o755 and tool.owner == "root"
    assert files["/etc/nginx/conf.d/fleet-lb.conf"].on_change == ("/usr/local/sbin/fleet-nginx-lb-fleet", "apply")
    assert roles["web1"].files == ()


def test_nginx_lb_gives_each_backend_drain_and_undrain_hooks_on_the_load_balancer(tmp_path):
    _, roles = lb_inventory(tmp_path)
    for backend in ("web1", "web2"):
        (drain,) = roles[backend].hooks_at("before_switch")
        (undrain,) = roles[backend].hooks_at("after_host")
        assert drain.delegate_to == undrain.delegate_to == "lb1"
        assert drain.command[-3:] == ("/usr/local/sbin/fleet-nginx-lb-fleet", "drain", backend)
        assert undrain.command[-2:] == ("undrain", backend)
        assert drain.source == "role nginx-lb of lb1"
        assert roles[backend].hooks_at("before_host") == ()
    # The load balancer's own rollout: the nginx check, and no drain of itself.
    assert [hook.point for hooks in roles["lb1"].hooks.values() for hook in hooks] == ["before_host"]
    assert roles["lb1"].hooks_at("before_host")[0].delegate_to is None


def test_fleet_hooks_run_before_role_hooks(tmp_path):
    inventory, roles = lb_inventory(tmp_path)
    text = LB_INVENTORY.replace("    fleet_app_port: 3000\n",
                                "    fleet_app_port: 3000\n    fleet_hooks: {before_switch: [echo mine]}\n")
    inventory = load_inventory(write(tmp_path / "hooked.yaml", text))
    hooks = inventory_roles(inventory, inventory.hosts)["web1"].hooks_at("before_switch")
    assert [hook.source for hook in hooks] == ["fleet_hooks", "role nginx-lb of lb1"]


def test_an_undefined_variable_names_host_role_and_template(tmp_path):
    role = tmp_path / "roles" / "site"
    write(role / "templates.yaml", "- {src: site.conf.j2, dest: /etc/site.conf}\n")
    write(role / "templates" / "site.conf.j2", "port {{ site_port }}\n")
    text = "all:\n  hosts:\n    h1:\n      fleet_roles: [site]\n"
    inventory = load_inventory(write(tmp_path / "inventory.yaml", text))
    with pytest.raises(RoleError) as error:
        inventory_roles(inventory, inventory.hosts)
    assert str(error.value) == "host h1: role site: templates/site.conf.j2: 'site_port' is undefined"


def test_two_roles_writing_one_file_are_refused(tmp_path):
    for name in ("a", "b"):
        write(tmp_path / "roles" / name / "templates.yaml", "- {src: f.j2, dest: /etc/f}\n")
        write(tmp_path / "roles" / name / "templates" / "f.j2", name)
    inventory = load_inventory(write(tmp_path / "inventory.yaml", "all:\n  hosts:\n    h1:\n      fleet_roles: [a, b]\n"))
    with pytest.raises(RoleError, match="roles a and b both write /etc/f"):
        inventory_roles(inventory, inventory.hosts)
