"""load_inventory: Ansible's YAML inventories, variable precedence; a bad inventory is one line naming file and line."""

from pathlib import Path

import pytest

from fleetctl.inventory import ConnectionSpec, InventoryError, load_inventory

from ..fixture_files import INVENTORY_FIXTURES as FIXTURES

NESTED = FIXTURES / "nested" / "fleet.yaml"
PLAIN = FIXTURES / "ansible_plain" / "hosts.yml"
BAD = FIXTURES / "bad"


def load_error(path) -> str:
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def write(tmp_path: Path, text: str, name: str = "hosts.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- structure ------------------------------------------------------------


def test_nested_inventory_lists_hosts_in_file_order_with_all_their_groups():
    inventory = load_inventory(NESTED)
    assert [host.name for host in inventory.hosts] == ["s1", "s2", "s3", "pi-kitchen", "control"]
    assert inventory.host("s1").groups == ("all", "servers", "rack1")
    assert inventory.host("pi-kitchen").groups == ("all", "pis")
    assert inventory.groups["rack1"].parents == ("servers",)
    assert inventory.groups["servers"].children == ("rack1", "rack2")
    assert inventory.groups["rack1"].depth == 2


def test_variables_merge_with_ansible_precedence():
    inventory = load_inventory(NESTED)
    # host_vars file beats inline host vars, which beat every group.
    assert inventory.host("s1").vars["level"] == "s1-file"
    # A parent's group_vars file beats a child's inline vars (Ansible: all inline
    # group vars rank below all group_vars files).
    assert inventory.host("s2").vars["level"] == "servers-file"
    # group_vars/all.yml beats inline vars of any group.
    assert inventory.host("pi-kitchen").vars["level"] == "all-file"
    # Inline: child group beats parent group.
    assert inventory.host("s1").vars["ansible_user"] == "deploy"
    assert inventory.host("pi-kitchen").vars["ansible_user"] == "pi"


def test_group_vars_folder_files_merge_in_name_order():
    s1 = load_inventory(NESTED).host("s1")
    assert s1.vars["fleet_workers"] == 4  # 20-app.yml after 10-policy.yml
    assert s1.vars["fleet_app_env"] == {"DATABASE_URL": "postgres://shop@db/shop", "FEATURE_X": "true"}
    assert load_inventory(NESTED).host("s3").vars["fleet_workers"] is None


def test_every_fleet_variable_is_present_with_its_default():
    control = load_inventory(NESTED).host("control")
    assert control.vars["fleet_app_entry"] == "server.js"
    assert control.vars["fleet_app_port"] == 3000
    assert control.vars["fleet_keep_releases"] == 5
    assert control.vars["fleet_trust_on_first_use"] is False
    assert control.vars["fleet_mode"] is None
    assert control.vars["fleet_worker_memory_mb"] == 128  # from all's inline vars


def test_an_existing_ansible_inventory_loads_unchanged():
    inventory = load_inventory(PLAIN)
    assert [host.name for host in inventory.hosts] == [
        "lonely.example.com",
        "web01.example.com", "web02.example.com", "web03.example.com",
        "www-a.example.com", "www-b.example.com",
        "db1.example.com",
    ]
    assert inventory.host("lonely.example.com").groups == ("all", "ungrouped")
    assert inventory.host("web02.example.com").groups == ("all", "prod", "webservers")
    assert inventory.host("web02.example.com").vars["http_port"] == 80
    assert inventory.host("web02.example.com").vars["ansible_python_interpreter"] == "/usr/bin/python3"
    assert "empty_group" in inventory.groups
    web = inventory.host("web01.example.com").connection
    assert (web.address, web.user, web.become, web.port) == ("web01.example.com", "admin", True, None)
    db = inventory.host("db1.example.com")
    assert db.vars["backup"] == {"hour": 3}  # from group_vars/dbservers.json
    assert db.connection == ConnectionSpec(
        name="db1.example.com",
        address="172.16.0.5",
        port=2200,
        user=None,
        key_file=None,
        connection="ssh",
        become=False,
        known_hosts_file=None,
        ssh_common_args="-o UserKnownHostsFile=/tmp/kh -o StrictHostKeyChecking=yes",
    )


def test_a_host_listed_in_two_groups_is_one_host_in_both(tmp_path):
    path = write(tmp_path, """
all:
  children:
    web:
      hosts:
        h1: {ansible_host: 10.0.0.1, a: 1}
    canary:
      hosts:
        h1: {b: 2}
""")
    inventory = load_inventory(path)
    assert [host.name for host in inventory.hosts] == ["h1"]
    h1 = inventory.host("h1")
    assert h1.groups == ("all", "canary", "web")
    assert (h1.vars["a"], h1.vars["b"], h1.connection.address) == (1, 2, "10.0.0.1")


def test_top_level_groups_other_than_all_are_children_of_all(tmp_path):
    path = write(tmp_path, "web:\n  hosts:\n    h1:\n  vars:\n    fleet_app_port: 8080\n")
    h1 = load_inventory(path).host("h1")
    assert h1.groups == ("all", "web")
    assert h1.vars["fleet_app_port"] == 8080


def test_ansible_group_priority_orders_groups_of_equal_depth(tmp_path):
    path = write(tmp_path, """
all:
  children:
    a_group:
      vars: {colour: red, ansible_group_priority: 10}
      hosts: {h1: }
    b_group:
      vars: {colour: blue}
      hosts: {h1: }
""")
    assert load_inventory(path).host("h1").vars["colour"] == "red"


# --- bad inventories: one line, file and line ----------------------------


def test_yaml_error_names_file_and_line():
    path = BAD / "yaml_error.yaml"
    assert load_error(path) == (
        f"{path}:5: invalid YAML: expected <block end>, but found '<block mapping start>' (column 6)"
    )


def test_unknown_fleet_variable_names_file_line_and_suggests():
    path = BAD / "unknown_fleet_var.yaml"
    assert load_error(path) == f"{path}:6: unknown fleetctl variable fleet_worker (did you mean fleet_workers?)"


def test_wrong_type_names_file_line_and_value():
    path = BAD / "wrong_type.yaml"
    assert load_error(path) == f"{path}:6: fleet_workers must be an integer, got 'many'"


def test_host_written_outside_hosts_is_in_no_group():
    path = BAD / "host_in_no_group.yaml"
    assert load_error(path) == (
        f"{path}:4: unexpected key web2 in group all: a group holds only hosts, children and vars"
        " (a host written here would be in no group; list it under hosts:)"
    )


def test_host_vars_for_a_host_in_no_group():
    folder = BAD / "stray_host_vars"
    assert load_error(folder / "hosts.yaml") == (
        f"{folder}/host_vars/wbe2.yml:1: host wbe2 has vars here but is in no group of the inventory"
    )


def test_empty_address_is_missing():
    path = BAD / "missing_address.yaml"
    assert load_error(path) == (
        f"{path}:8: missing address: ansible_host is empty (set it, or remove it to use the host name)"
    )


def test_a_name_that_cannot_be_an_address_needs_ansible_host():
    path = BAD / "name_not_address.yaml"
    assert load_error(path) == (
        f"{path}:6: host -oProxyCommand=sh has no usable address:"
        " its name '-oProxyCommand=sh' cannot be an SSH destination; set ansible_host"
    )


def test_error_in_group_vars_file_names_that_file():
    folder = BAD / "bad_group_vars"
    assert load_error(folder / "hosts.yaml") == (
        f"{folder}/group_vars/web.yml:3: fleet_scheduling must be one of rr, none, got 'round-robin'"
    )


def test_inventory_that_is_not_a_mapping():
    path = BAD / "not_a_mapping.yaml"
    assert load_error(path) == f"{path}:1: an inventory must be a mapping of groups, starting with all:"


def test_missing_inventory_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert load_error(path) == f"{path}: cannot read file: No such file or directory"


def test_relative_path_is_shown_as_given(tmp_path, monkeypatch):
    write(tmp_path, "all:\n  hosts:\n    h1:\n      ansible_port: ssh\n", "inventories/prod.yaml")
    monkeypatch.chdir(tmp_path)
    assert load_error("inventories/prod.yaml") == "inventories/prod.yaml:4: ansible_port must be an integer, got 'ssh'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ":1: the inventory is empty"),
        ("all:\n  vars:\n    x: 1\n", ":1: the inventory defines no hosts"),
        (
            "all:\n  hosts:\n    - h1\n",
            ":2: hosts of group all must be a mapping of host names (a list is not valid Ansible YAML)",
        ),
        ("all:\n  vars: [x]\n  hosts:\n    h1:\n", ":2: vars of group all must be a mapping of variables"),
        (
            "all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n"
            "          hosts: {h1: }\n",
            ":7: groups nest in a cycle: a -> b -> a",
        ),
    ],
)
def test_bad_inventory_messages(tmp_path, text, expected):
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}{expected}"


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("ansible_connection: docker", "ansible_connection must be ssh or local, got 'docker'"),
        ("ansible_become: maybe", "ansible_become must be a boolean, got 'maybe'"),
        ("fleet_app_port: 70000", "fleet_app_port must be <= 65535, got 70000"),
        ("fleet_workers: true", "fleet_workers must be an integer, got true"),
        ("fleet_kind: laptop", "fleet_kind must be one of pi, container, vm, server, got 'laptop'"),
        ("fleet_serial: [1, 'half']", "fleet_serial must be an integer >= 1 or a percentage like '25%', got 'half'"),
        (
            "fleet_app_name: My App",
            "fleet_app_name must be lowercase letters, digits and '-', starting with a letter,"
            " at most 32 characters, got 'My App'",
        ),
        (
            "fleet_app_entry: ../etc/passwd",
            "fleet_app_entry must be a relative path inside the app without '..' or spaces, got '../etc/passwd'",
        ),
        ("fleet_app_env: {PATH: [1]}", "fleet_app_env.PATH must be a string or number, got a list"),
        ("fleet_app_env: {PORT: 80}", "fleet_app_env.PORT is set by fleetctl; use fleet_app_port instead"),
        ("fleet_app_user: root", "fleet_app_user must be a Unix user name other than root, got 'root'"),
        (
            "db_password: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n        6162",
            "invalid YAML: ansible-vault encrypted values (!vault) are not supported; decrypt them first (column 20)",
        ),
    ],
)
def test_bad_host_variable_messages(tmp_path, variable, expected):
    path = write(tmp_path, f"all:\n  hosts:\n    h1:\n      {variable}\n")
    assert load_error(path) == f"{path}:4: {expected}"


def test_valid_rollout_and_app_values_are_accepted(tmp_path):
    path = write(tmp_path, """
all:
  vars:
    fleet_serial: [1, "25%", 100%]
    fleet_max_fail_percentage: 12.5
    fleet_health_timeout: 2.5
    fleet_app_name: shop-api
    fleet_app_entry: dist/main.js
    fleet_app_writable_paths: [/var/lib/shop-api]
    fleet_trust_on_first_use: true
    motd: !unsafe "{{ not templated }}"
  hosts:
    h1:
""")
    h1 = load_inventory(path).host("h1")
    assert h1.vars["fleet_serial"] == [1, "25%", "100%"]
    assert h1.vars["fleet_max_fail_percentage"] == 12.5
    assert h1.vars["motd"] == "{{ not templated }}"
    assert h1.connection.trust_on_first_use is True
    spec = h1.app
    assert (spec.name, spec.user, spec.entry_path) == ("shop-api", "shop-api", "/opt/shop-api/current/dist/main.js")
    assert spec.writable_paths == ("/var/lib/shop-api",)
