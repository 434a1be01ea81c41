"""load_inventory: the same hosts, order, groups and variables as ansible-core; a bad inventory is one line naming file and line."""

from pathlib import Path

import pytest

from fleetctl.inventory import InventoryError, load_inventory

from ..fixture_files import INVENTORY_FIXTURES as FIXTURES
from .ansible_oracle import AnsibleView, ansible_view, fleetctl_view
from .cases import ALL_CASES
from .trees import write_files

NESTED = FIXTURES / "nested" / "fleet.yaml"
PLAIN = FIXTURES / "ansible_plain" / "hosts.yml"
BAD = FIXTURES / "bad"


def load_error(path, **options) -> str:
    with pytest.raises(InventoryError) as caught:
        load_inventory(path, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message


def write(tmp_path: Path, text: str, name: str = "hosts.yaml") -> Path:
    return write_files(tmp_path, {name: text}) / name


# --- the same as ansible-core ------------------------------------------------


@pytest.mark.parametrize("case", list(ALL_CASES))
def test_hosts_order_groups_and_variables_are_ansible_cores(tmp_path, case):
    entry, files = ALL_CASES[case]
    path = write_files(tmp_path, files) / entry
    assert fleetctl_view(load_inventory(path)) == ansible_view(path)


@pytest.mark.parametrize("path", [NESTED, PLAIN], ids=["nested", "ansible_plain"])
def test_the_fixture_inventories_are_ansible_cores(path):
    assert fleetctl_view(load_inventory(path)) == ansible_view(path)


def test_group_vars_beside_a_playbook_folder_count_above_the_inventorys(tmp_path):
    inventory = write_files(tmp_path / "inventory", {
        "hosts.ini": "[web]\nw1\n",
        "group_vars/all.yml": "where: inventory\nonly_inventory: 1\n",
        "group_vars/web.yml": "web_where: inventory\n",
        "host_vars/w1.yml": "host_where: inventory\n",
    }) / "hosts.ini"
    playbook = write_files(tmp_path / "playbook", {
        "group_vars/all.yml": "where: playbook\n",
        "group_vars/web.yml": "web_where: playbook\n",
        "host_vars/w1.yml": "host_where: playbook\n",
    })
    loaded = load_inventory(inventory, playbook_dir=playbook)
    expected = ansible_view(inventory, playbook_dir=playbook)
    assert fleetctl_view(loaded) == expected
    assert loaded.host("w1").inventory_vars["where"] == "playbook"


def test_a_file_that_is_a_symlink_reads_group_vars_beside_the_link(tmp_path):
    write_files(tmp_path, {"real/hosts.yml": "all:\n  hosts:\n    h1:\n", "real/group_vars/all.yml": "side: real\n",
                           "link/group_vars/all.yml": "side: link\n"})
    (tmp_path / "link" / "hosts.yml").symlink_to(tmp_path / "real" / "hosts.yml")
    path = tmp_path / "link" / "hosts.yml"
    assert fleetctl_view(load_inventory(path)) == ansible_view(path)
    assert load_inventory(path).host("h1").inventory_vars["side"] == "link"


# --- warnings: where Ansible warns and goes on -----------------------------------


def test_warnings_name_file_and_line_where_ansible_warns(tmp_path):
    path = write(tmp_path, """
all:
  children:
    web-servers:
      hosts: {w1: }
      hostz: {w9: }
      other: 5
    w1:
      vars: {my-var: 1, ok: 2}
bad: [1, 2]
dup:
  hosts: {d1: }
  hosts: {d2: }
""")
    inventory = load_inventory(path)
    assert [host.name for host in inventory.hosts] == ["w1", "d2"]
    assert list(inventory.warnings) == [
        f"{path}:13: hosts is written twice in one mapping; the last one counts (Ansible warns too)",
        f"{path}:4: group name 'web-servers' has characters other than letters, digits and '_' or starts with a"
        " digit: Ansible warns about it and keeps it",
        f"{path}:6: skipping key hostz in group web-servers: a group holds only hosts, children and vars (a host"
        " written here is in no group; list it under hosts:)",
        f"{path}:7: skipping key other in group web-servers: it is an integer, not a mapping",
        f"{path}:9: variable name 'my-var' is not a valid Ansible variable name (letters, digits and '_', not"
        " starting with a digit); ansible-core accepts it with a deprecation warning",
        f"{path}:10: skipping bad: a group must be a mapping of hosts, children and vars, got a list",
        "found both a group and a host named w1 (as Ansible, both are kept)",
    ]
    assert len(AnsibleView(path).warnings) >= 6  # ansible-core warns about each too


def test_a_group_vars_path_that_is_a_file_is_skipped_with_a_warning(tmp_path):
    path = write_files(tmp_path, {"hosts": "h1\n", "group_vars": "x: 1\n"}) / "hosts"
    inventory = load_inventory(path)
    assert inventory.warnings == (f"{tmp_path}/group_vars: not a folder, skipped (as Ansible)",)
    assert fleetctl_view(inventory) == ansible_view(path)


# --- what fleetctl makes of the variables ------------------------------------------


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


def test_nested_inventory_hosts_and_groups():
    inventory = load_inventory(NESTED)
    assert [host.name for host in inventory.hosts] == ["pi-kitchen", "control", "s1", "s2", "s3"]
    assert inventory.host("s1").groups == ("all", "servers", "rack1")
    assert inventory.host("pi-kitchen").groups == ("all", "pis")
    assert inventory.groups["rack1"].parents == ("servers",)
    assert inventory.groups["servers"].children == ("rack1", "rack2")
    assert inventory.groups["rack1"].depth == 2
    assert list(inventory.groups)[:2] == ["all", "ungrouped"]
    assert [host.name for host in inventory.hosts_in_group("servers")] == ["s1", "s2", "s3"]


def test_group_vars_folder_files_merge_in_name_order():
    s1 = load_inventory(NESTED).host("s1")
    assert s1.vars["fleet_workers"] == 4  # 20-app.yml after 10-policy.yml
    assert s1.vars["fleet_app_env"] == {"DATABASE_URL": "postgres://shop@db/shop", "FEATURE_X": "true"}
    assert load_inventory(NESTED).host("s3").vars["fleet_workers"] is None


def test_every_fleet_variable_is_present_with_its_default_but_not_in_the_inventory_vars():
    control = load_inventory(NESTED).host("control")
    assert control.vars["fleet_app_entry"] == "server.js"
    assert control.vars["fleet_app_port"] == 3000
    assert control.vars["fleet_keep_releases"] == 5
    assert control.vars["fleet_trust_on_first_use"] is False
    assert control.vars["fleet_mode"] is None
    assert control.vars["fleet_worker_memory_mb"] == 128  # from all's inline vars
    assert "fleet_app_port" in control.vars and "fleet_app_port" not in control.inventory_vars
    assert control.vars["fleet_app_src"] == str(NESTED.parent.parent.resolve() / "apps" / "shop")
    assert control.inventory_vars["fleet_app_src"] == "../apps/shop"  # as written, as ansible-inventory shows it


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
    assert inventory.host("db1.example.com").vars["backup"] == {"hour": 3}  # from group_vars/dbservers.json


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


def test_ansible_group_priority_orders_groups_of_equal_depth_and_is_not_a_variable(tmp_path):
    path = write(tmp_path, """
all:
  children:
    a_group:
      vars: {colour: red, ansible_group_priority: "10"}
      hosts: {h1: }
    b_group:
      vars: {colour: blue}
      hosts: {h1: }
""")
    inventory = load_inventory(path)
    assert inventory.host("h1").vars["colour"] == "red"
    assert "ansible_group_priority" not in inventory.host("h1").inventory_vars
    assert inventory.groups["a_group"].priority == 10
    assert inventory.host("h1").groups == ("all", "b_group", "a_group")


def test_a_host_vars_file_for_a_host_of_another_inventory_is_ignored(tmp_path):
    path = write_files(tmp_path, {"staging.yml": "all:\n  hosts:\n    web1:\n",
                                  "host_vars/web1.yml": "x: 1\n", "host_vars/prod-web1.yml": "fleet_workers: many\n"})
    inventory = load_inventory(path / "staging.yml")
    assert inventory.host("web1").vars["x"] == 1
    assert inventory.warnings == ()


def test_an_inventory_folder_takes_its_group_vars_from_itself(tmp_path):
    root = write_files(tmp_path, {"prod/a.yml": "web:\n  hosts: {w1: }\n", "prod/b.ini": "[db]\nd1\n",
                                  "prod/group_vars/all.yml": "env: prod\n", "group_vars/all.yml": "env: outer\n"})
    inventory = load_inventory(root / "prod")
    assert [host.name for host in inventory.hosts] == ["w1", "d1"]
    assert inventory.host("d1").vars["env"] == "prod"
    assert inventory.host("d1").vars.magic["inventory_file"] == str(root / "prod" / "b.ini")


# --- bad inventories: one line, file and line ----------------------------------


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
    write(tmp_path, "all:\n  hosts:\n    h1:\n      fleet_workers: many\n", "inventories/prod.yaml")
    monkeypatch.chdir(tmp_path)
    assert load_error("inventories/prod.yaml") == "inventories/prod.yaml:4: fleet_workers must be an integer, got 'many'"


def test_a_vars_file_that_is_not_a_mapping(tmp_path):
    path = write_files(tmp_path, {"hosts": "h1\n", "host_vars/h1.yml": "- a\n- b\n"})
    assert load_error(path / "hosts") == f"{tmp_path}/host_vars/h1.yml:1: a vars file must be a mapping of variables"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ": the inventory defines no hosts"),
        ("all:\n  vars:\n    x: 1\n", ": the inventory defines no hosts"),
        (
            "all:\n  hosts:\n    - h1\n",
            ":2: hosts of group all must be a mapping, got a list (hosts are written as keys: 'hosts: {web1: , web2: }')",
        ),
        ("all:\n  vars: [x]\n  hosts:\n    h1:\n", ":2: vars of group all must be a mapping, got a list"),
        ("all:\n  hosts:\n    h1: [1]\n", ":3: variables of host h1 must be a mapping, got a list"),
        ("all:\n  hosts:\n    1:\n", ":3: host pattern 1 must be a string: quote numbers"),
        ("all:\n  hosts:\n    web[1:3:0]:\n", ":3: host range in 'web[1:3:0]' has an invalid step '0'"),
        ("all:\n  children:\n    web: [a]\n", ":3: group web must be a mapping of hosts, children and vars, got a list"),
        ("all:\n  children:\n    web:\n      vars: {ansible_group_priority: high}\n      hosts: {h: }\n",
         ":4: ansible_group_priority of group web must be an integer, got 'high'"),
        (
            "all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n"
            "          hosts: {h1: }\n",
            ":5: adding group b as a child of a makes a loop (b is already above a)",
        ),
        ("plugin: nope\n", ":1: an inventory plugin configuration (plugin:) must be a .yml or .yaml file, as Ansible"
                           " wants"),
    ],
)
def test_bad_inventory_messages(tmp_path, text, expected):
    path = write(tmp_path, text, "hosts.json" if text.startswith("plugin") else "hosts.yaml")
    assert load_error(path) == f"{path}{expected}"


def test_ansible_core_refuses_the_same_bad_inventories(tmp_path):
    for index, text in enumerate(["all:\n  hosts:\n    - h1\n", "all:\n  hosts:\n    1:\n",
                                  "all:\n  children:\n    web: [a]\n"]):
        path = write(tmp_path, text, f"bad{index}.yml")
        assert AnsibleView(path).hosts == []


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
