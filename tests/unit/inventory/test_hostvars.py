"""A host's variables: fleet defaults < role defaults < inventory, rendered and checked when read, never before."""

import threading

import pytest

from fleetctl.inventory import InventoryError, load_inventory

from .trees import write_files


@pytest.fixture
def inventory(tmp_path):
    write_files(tmp_path, {
        "roles/site/defaults.yaml": "site_port: \"{{ base_port + 1 }}\"\nsite_name: site\n",
        "hosts.yml": """
all:
  vars:
    base_port: 8000
    fleet_roles: [site]
    broken: "{{ nope }}"
  hosts:
    10.0.0.7:
    web1.example.com:
      site_name: "{{ inventory_hostname_short }}-{{ group_names | join('+') }}"
      peer_port: "{{ hostvars['10.0.0.7'].site_port }}"
  children:
    web: {hosts: {web1.example.com: }}
""",
    })
    return load_inventory(tmp_path / "hosts.yml")


def test_role_defaults_and_fleet_defaults_sit_below_the_inventory(inventory):
    web = inventory.host("web1.example.com")
    assert web.vars["site_port"] == 8001  # a role default, rendered over the host's variables
    assert web.vars["site_name"] == "web1-web"  # the inventory over the role; Ansible's magic variables
    assert web.vars["fleet_app_port"] == 3000
    assert web.vars.where("site_port")[0].endswith("roles/site/defaults.yaml")
    assert web.vars.where("base_port")[1] == 4


def test_a_template_can_read_another_hosts_variables(inventory):
    assert inventory.host("web1.example.com").vars["peer_port"] == 8001
    assert inventory.host("10.0.0.7").vars.magic["inventory_hostname_short"] == "10.0.0.7"


def test_listing_the_variables_renders_none_and_reading_one_renders_only_it(inventory):
    web = inventory.host("web1.example.com")
    assert {"broken", "site_port", "fleet_app_port", "base_port"} <= set(web.vars)
    assert "broken" in web.vars
    assert web.vars["base_port"] == 8000
    with pytest.raises(InventoryError, match="host web1.example.com: broken: 'nope' is undefined"):
        web.vars["broken"]


def test_variables_read_from_several_threads_at_once(inventory):
    results, errors = [], []

    def read():
        try:
            results.append(inventory.host("web1.example.com").vars["peer_port"])
        except InventoryError as error:  # a false loop between threads would show here
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (results, errors) == ([8001] * 8, [])
