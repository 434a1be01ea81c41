"""Templated variables render as ansible-core 2.19 renders them (differential, over each host's variables)."""

import textwrap

import pytest

from fleetctl.inventory import InventoryError, load_inventory
from fleetctl.inventory.rendering import needs_rendering
from fleetctl.yamlfile import EncryptedValue, UnsafeText

from .ansible_oracle import AnsibleUndefinedVariable, AnsibleView
from .trees import write_files

VARIABLES = """
base_port: 2200
index: 3
deploy_user: deploy
none_var: null
port_expr: "{{ base_port + index }}"
port_text: "{{ base_port }}x"
chain_a: "{{ chain_b }}-a"
chain_b: "{{ chain_c }}-b"
chain_c: c
users: [alice, "{{ deploy_user }}"]
env_map: {HOME: "/home/{{ deploy_user }}", PORT: "{{ base_port }}"}
with_default: "{{ missing | default('fallback') }}"
undefined_ref: "{{ nope }}"
default_over_undefined_variable: "{{ undefined_ref | default('z') }}"
nullish: "{{ none_var }}"
concat_none: "x{{ none_var }}"
two_parts_one_none: "{{ index }}{{ none_var }}"
bool_filter: "{{ 'yes' | bool }}"
ternary: "{{ (index > 2) | ternary('big', 'small') }}"
regex: "{{ 'web-01' | regex_replace('-', '_') }}"
joined: "{{ users | join(',') }}"
if_block: "{% if index > 1 %}many{% else %}one{% endif %}"
empty_block: "{% if false %}x{% endif %}"
hostname: "{{ inventory_hostname }}"
short: "{{ inventory_hostname_short }}"
my_groups: "{{ group_names }}"
web_members: "{{ groups['web'] }}"
other_host: "{{ hostvars['db1']['role_name'] }}"
env_lookup: "{{ lookup('env', 'FLEETCTL_TEST_VALUE') }}"
env_default: "{{ lookup('env', 'FLEETCTL_NO_SUCH_VALUE', default='d') }}"
combined: "{{ {'a': 1} | combine({'b': index}) }}"
unsafe: !unsafe "{{ not_rendered }}"
int_filter: "{{ '42' | int + 1 }}"
trailing_newline: "{{ index }}\\n"
math: "{{ (index * 1.5) | int }}"
split: "{{ 'a,b' | split(',') }}"
list_in_text: "x{{ users }}"
quoted: "{{ 'a b' | quote }}"
basename: "{{ '/opt/app/current' | basename }}"
from_inventory_dir: "{{ inventory_dir }}/keys"
literal_braces_in_string: "{{ '{{' }}"
"""
NAMES = [line.split(":")[0] for line in VARIABLES.strip().splitlines()]


@pytest.fixture
def inventory_path(tmp_path, monkeypatch):
    monkeypatch.setenv("FLEETCTL_TEST_VALUE", "from-env")
    return write_files(tmp_path, {
        "hosts.yml": "all:\n  children:\n    web:\n      hosts:\n        web1.example.com:\n"
                     "    db:\n      hosts:\n        db1: {role_name: database}\n",
        "group_vars/all.yml": VARIABLES,
    }) / "hosts.yml"


@pytest.mark.parametrize("name", NAMES)
def test_a_variable_renders_as_ansible_core_renders_it(inventory_path, name):
    host = load_inventory(inventory_path).host("web1.example.com")
    try:
        expected = AnsibleView(inventory_path).rendered("web1.example.com", name)
    except AnsibleUndefinedVariable:
        with pytest.raises(InventoryError, match="is undefined"):
            host.vars[name]
        return
    assert host.vars[name] == expected


def test_a_single_expression_keeps_its_type(inventory_path):
    host = load_inventory(inventory_path).host("web1.example.com")
    assert host.vars["port_expr"] == 2203 and isinstance(host.vars["port_expr"], int)
    assert host.vars["env_map"] == {"HOME": "/home/deploy", "PORT": 2200}
    assert host.vars["nullish"] is None and host.vars["empty_block"] is None
    assert host.vars["port_text"] == "2200x"
    assert host.inventory_vars["port_expr"] == "{{ base_port + index }}"  # as written, as ansible-inventory shows it


def test_an_undefined_variable_is_one_line_naming_host_variable_and_file(inventory_path):
    host = load_inventory(inventory_path).host("web1.example.com")
    with pytest.raises(InventoryError) as caught:
        host.vars["undefined_ref"]
    assert str(caught.value) == (f"{inventory_path.parent}/group_vars/all.yml:14: host web1.example.com:"
                                 " undefined_ref: 'nope' is undefined")


def test_a_loop_between_templates_is_an_error(tmp_path):
    path = write_files(tmp_path, {"hosts": "h1 a='{{ b }}' b='{{ a }}'\n"}) / "hosts"
    with pytest.raises(InventoryError, match=r"hosts:1: host h1: a: .*refers back to itself \(a -> b -> a\)"):
        load_inventory(path).host("h1").vars["a"]


def test_only_what_is_read_is_rendered(tmp_path):
    path = write_files(tmp_path, {"hosts.yml": textwrap.dedent("""\
        all:
          vars:
            broken: "{{ nope }}"
            fleet_workers: "{{ workers_of_this_host }}"
          hosts:
            ok: {workers_of_this_host: 2}
            bad: {}
        """)}) / "hosts.yml"
    inventory = load_inventory(path)
    assert inventory.host("ok").policy.workers == 2
    with pytest.raises(InventoryError, match="host bad: fleet_workers: 'workers_of_this_host' is undefined"):
        inventory.host("bad").policy


def test_a_rendered_fleet_variable_is_checked_against_its_type(tmp_path):
    path = write_files(tmp_path, {"hosts": "h1 fleet_app_port='{{ \"http\" }}' fleet_app_name=shop\n"}) / "hosts"
    with pytest.raises(InventoryError) as caught:
        load_inventory(path).host("h1").app
    assert str(caught.value) == f"{path}:1: host h1: fleet_app_port must be an integer, got 'http'"


def test_an_unknown_fleet_variable_is_an_error_even_when_templated(tmp_path):
    path = write_files(tmp_path, {"hosts": "h1 fleet_wrokers='{{ 2 }}'\n"}) / "hosts"
    with pytest.raises(InventoryError, match=r"hosts:1: unknown fleetctl variable fleet_wrokers \(did you mean"):
        load_inventory(path)


def test_an_unknown_filter_or_lookup_says_so(tmp_path):
    path = write_files(tmp_path, {"hosts": "h1 a=\"{{ x | to_uuid }}\" b=\"{{ lookup('pipe', 'date') }}\" x=1\n"})
    host = load_inventory(path / "hosts").host("h1")
    with pytest.raises(InventoryError, match="host h1: a: template syntax error: No filter named 'to_uuid'"):
        host.vars["a"]
    with pytest.raises(InventoryError, match=r"host h1: b: template error: lookup 'pipe' is not available"):
        host.vars["b"]


def test_what_needs_rendering():
    assert needs_rendering("{{ x }}") and needs_rendering("{% if x %}y{% endif %}") and needs_rendering(["a", {"b": "{{ c }}"}])
    assert needs_rendering(EncryptedValue("$ANSIBLE_VAULT;1.1;AES256\n00"))
    assert not needs_rendering("plain") and not needs_rendering(UnsafeText("{{ x }}")) and not needs_rendering([1, {"a": 2}])
