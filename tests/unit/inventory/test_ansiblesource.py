"""Dynamic inventories (scripts, plugin: configurations, TOML) read through ansible-core, group_vars still fleetctl's."""

import sys
import textwrap

import pytest

from fleetctl.inventory import InventoryError, load_inventory

from .ansible_oracle import ansible_view, fleetctl_view
from .trees import write_files

SCRIPT = textwrap.dedent("""\
    #!/bin/sh
    cat <<'JSON'
    {"web": {"hosts": ["w1", "w2"], "vars": {"http_port": 80, "motd": "{{ not_rendered }}"}},
     "db": {"hosts": ["d1"], "children": ["backup"]},
     "backup": {"hosts": ["b1"]},
     "_meta": {"hostvars": {"w1": {"ansible_host": "10.0.0.1"}, "d1": {"ansible_port": 2222}}}}
    JSON
    """)


def test_an_inventory_script_is_read_by_ansible_core_and_group_vars_by_fleetctl(tmp_path):
    write_files(tmp_path, {"inventory.sh": SCRIPT, "group_vars/web.yml": "fleet_workers: 2\n",
                           "host_vars/d1.yml": "role: primary\n"})
    path = tmp_path / "inventory.sh"
    path.chmod(0o755)
    loaded = load_inventory(path)
    assert fleetctl_view(loaded) == ansible_view(path)
    assert loaded.host("w1").vars["fleet_workers"] == 2 and loaded.host("d1").vars["role"] == "primary"
    with pytest.raises(InventoryError, match="'not_rendered' is undefined"):  # a script's strings are templates too
        loaded.host("w1").vars["motd"]


def test_a_plugin_configuration_in_a_folder_with_static_files(tmp_path):
    root = write_files(tmp_path, {
        "01-hosts.yml": "web:\n  hosts:\n    w1: {tier: front}\n    w2: {tier: back}\n",
        "02-constructed.yml": textwrap.dedent("""\
            plugin: ansible.builtin.constructed
            keyed_groups:
              - key: tier
                prefix: tier
            """),
        "group_vars/tier_front.yml": "fleet_app_port: 8080\n",
    })
    loaded = load_inventory(root)
    assert fleetctl_view(loaded) == ansible_view(root)
    assert loaded.host("w1").vars["fleet_app_port"] == 8080 and loaded.host("w2").vars["fleet_app_port"] == 3000


def test_a_toml_inventory(tmp_path):
    path = write_files(tmp_path, {"hosts.toml": '[web.hosts]\nw1 = { ansible_port = 2222 }\n[web.vars]\nx = 1\n'})
    assert fleetctl_view(load_inventory(path / "hosts.toml")) == ansible_view(path / "hosts.toml")


def test_a_static_file_with_an_execute_bit_stays_static(tmp_path):
    path = write_files(tmp_path, {"hosts.ini": "[web]\nw1\n"}) / "hosts.ini"
    path.chmod(0o755)
    assert [host.name for host in load_inventory(path).hosts] == ["w1"]


def test_a_script_that_fails_is_one_line(tmp_path):
    path = write_files(tmp_path, {"inventory.sh": "#!/bin/sh\necho broken >&2\nexit 3\n"}) / "inventory.sh"
    path.chmod(0o755)
    error = str(pytest.raises(InventoryError, load_inventory, path).value)
    assert error.startswith(f"{path}: ansible-core cannot read the inventory ({path} is an executable inventory"
                            " script): ")
    assert "\n" not in error


def test_without_ansible_core_a_dynamic_inventory_says_how_to_install_it(tmp_path, monkeypatch):
    path = write_files(tmp_path, {"aws.yml": "plugin: amazon.aws.aws_ec2\n"}) / "aws.yml"
    for name in [name for name in sys.modules if name == "ansible" or name.startswith("ansible.")]:
        monkeypatch.setitem(sys.modules, name, None)
    error = str(pytest.raises(InventoryError, load_inventory, path).value)
    assert error == (f"{path}: {path} is an inventory plugin configuration (plugin:): fleetctl reads it with"
                     " ansible-core: pip install 'fleetctl[ansible]'")
