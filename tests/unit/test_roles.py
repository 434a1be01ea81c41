"""Roles: loading and checking a role folder, defaults' precedence, rendering files and hooks, file steps."""

import textwrap

import pytest

from fleetctl.deploy.files import FileState, file_steps, parse_file_states
from fleetctl.deploy.steps import Command, WriteFile, sha256_text
from fleetctl.inventory import InventoryError, load_inventory
from fleetctl.roles.render import RenderedFile, inventory_roles
from fleetctl.roles.role import RoleError, load_role


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


LB_INVENTORY = """\
all:
  vars:
    fleet_app_name: hello
    fleet_app_src: app
    fleet_app_port: 3000
  children:
    web:
      hosts:
        web1: {ansible_host: 10.0.0.1}
        web2: {ansible_host: 10.0.0.2, fleet_app_port: 3001}
    lb:
      hosts:
        lb1: {ansible_host: 10.0.0.9}
      vars:
        fleet_app_name: null
        fleet_roles: [nginx-lb]
"""


def lb_inventory(tmp_path, extra_lb_vars=""):
    text = LB_INVENTORY + textwrap.indent(textwrap.dedent(extra_lb_vars), " " * 8)
    inventory = load_inventory(write(tmp_path / "inventory.yaml", text))
    return inventory, inventory_roles(inventory, inventory.hosts)


def test_built_in_roles_load():
    from fleetctl.resources import roles_dir
    for name in ("node", "nginx-lb"):
        role = load_role(roles_dir() / name)
        assert role.name == name and role.hooks


def test_role_defaults_sit_below_the_inventory(tmp_path):
    inventory, _ = lb_inventory(tmp_path, "nginx_lb_port: 8080\n")
    lb = inventory.host("lb1")
    assert lb.vars["nginx_lb_port"] == 8080  # the inventory wins
    assert lb.vars["nginx_lb_name"] == "fleet"  # the role's default fills in
    assert lb.vars["fleet_app_name"] is None  # null unsets the app the all group sets
    assert "nginx_lb_port" not in inventory.host("web1").vars  # only hosts with the role get its defaults


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


def test_an_inventory_role_folder_wins_over_a_built_in_one(tmp_path):
    write(tmp_path / "roles" / "node" / "defaults.yaml", "node_min_major: 20\n")
    text = "all:\n  hosts:\n    h1:\n      fleet_roles: [node]\n"
    inventory = load_inventory(write(tmp_path / "inventory.yaml", text))
    assert inventory.host("h1").vars["node_min_major"] == 20
    assert inventory.host("h1").vars["fleet_roles"] == [str((tmp_path / "roles" / "node").resolve())]


def test_an_unknown_role_names_the_inventory_line(tmp_path):
    text = "all:\n  hosts:\n    h1:\n      fleet_roles: [nope]\n"
    with pytest.raises(InventoryError) as error:
        load_inventory(write(tmp_path / "inventory.yaml", text))
    assert str(error.value).startswith(f"{tmp_path / 'inventory.yaml'}:4: fleet_roles: no role 'nope'")


@pytest.mark.parametrize("files, message", [
    ({"templates.yaml": "- {src: a.j2, dest: /etc/a, mode: 0644}\n", "templates/a.j2": "x"},
     "templates.yaml:1: templates.yaml entry 1: mode must be a quoted octal string like '0644', got 420"),
    ({"templates.yaml": "- {src: missing.j2, dest: /etc/a}\n"},
     "templates.yaml:1: templates.yaml entry 1: no file templates/missing.j2"),
    ({"templates.yaml": "- {src: a.j2, dest: /etc/a}\n", "templates/a.j2": "line\n{% if %}\n"},
     "templates/a.j2:2: template error"),
    ({"hooks.yaml": "after_all: [true]\n"}, "hooks.yaml:1: unknown hook point 'after_all'"),
    ({"hooks.yaml": "before_host:\n  - {command: x, run_on: y}\n"}, "hooks.yaml:2: before_host[0]: unknown key run_on"),
    ({"defaults.yaml": "fleet_workers: lots\n"}, "defaults.yaml:1: fleet_workers must be an integer"),
    ({"vars.yaml": "a: 1\n"}, "vars.yaml: unknown file in role broken"),
])
def test_a_broken_role_is_one_line_naming_its_file_and_line(tmp_path, files, message):
    for name, text in files.items():
        write(tmp_path / "roles" / "broken" / name, text)
    text = "all:\n  hosts:\n    h1:\n      fleet_roles: [broken]\n"
    with pytest.raises(RoleError) as error:  # defaults when the inventory loads, the rest when roles render
        inventory = load_inventory(write(tmp_path / "inventory.yaml", text))
        inventory_roles(inventory, inventory.hosts)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


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


def rendered(path="/etc/site.conf", content=b"port 80\n", owner="root", group="root", mode=0o644,
             on_change=("systemctl", "reload", "site")):
    return RenderedFile("site", path, content, owner, group, mode, on_change)


def test_file_steps_write_a_missing_file_then_run_on_change_once():
    files = [rendered(), rendered(path="/etc/site.d/extra.conf", owner="www-data", group="www-data")]
    steps = file_steps(files, {"/etc/site.conf": FileState(None, None, None, None),
                               "/etc/site.d/extra.conf": FileState(None, None, None, None, folder_exists=False)})
    assert [type(step).__name__ for step in steps] == ["WriteFile", "Command", "WriteFile", "Command", "Command"]
    assert steps[0].path == "/etc/site.conf" and steps[0].mode == 0o644
    assert steps[1].argv == ("install", "-d", "-m", "0755", "/etc/site.d")
    assert steps[3].argv == ("chown", "www-data:www-data", "/etc/site.d/extra.conf")
    assert steps[4].argv == ("systemctl", "reload", "site") and "on_change of role site" == steps[4].summary
    assert "port 80" not in "".join(step.display() for step in steps)  # content is never shown


def test_file_steps_change_nothing_when_the_file_is_in_place():
    state = FileState(sha256_text(b"port 80\n"), "root", "root", 0o644)
    assert file_steps([rendered()], {"/etc/site.conf": state}) == ()


def test_file_steps_fix_mode_and_owner_without_rewriting():
    state = FileState(sha256_text(b"port 80\n"), "nobody", "root", 0o600)
    steps = file_steps([rendered(on_change="nginx -s reload")], {"/etc/site.conf": state})
    assert [step.argv for step in steps] == [
        ("chmod", "0644", "/etc/site.conf"), ("chown", "root:root", "/etc/site.conf"),
        ("sh", "-c", "nginx -s reload")]
    assert all(isinstance(step, Command) for step in steps) and not any(isinstance(s, WriteFile) for s in steps)


def test_parse_file_states():
    raw = (f"{'a' * 64} www-data adm 640 /etc/a b.conf\n"
           "missing dir - - /etc/new.conf\n"
           "missing nodir - - /etc/x/y.conf\n")
    states = parse_file_states(raw)
    assert states["/etc/a b.conf"] == FileState("a" * 64, "www-data", "adm", 0o640)
    assert states["/etc/new.conf"] == FileState(None, None, None, None, folder_exists=True)
    assert states["/etc/x/y.conf"].folder_exists is False
