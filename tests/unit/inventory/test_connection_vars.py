"""Connection variables: read when the host is contacted, rendered, and a problem fails that host only."""

import pytest

from fleetctl.inventory import load_inventory
from fleetctl.transport import TransportError, connect

from ..fixture_files import INVENTORY_FIXTURES as FIXTURES
from .ansible_oracle import AnsibleView
from .trees import write_files

PROBLEMS = FIXTURES / "host_problems"


def inventory(tmp_path, text: str):
    return load_inventory(write_files(tmp_path, {"hosts.yml": text}) / "hosts.yml")


def test_templated_connection_variables_render_over_the_hosts_variables_as_ansible_core_renders_them(tmp_path):
    text = """
all:
  vars:
    deploy_user: deploy
    base_port: 2200
    ansible_user: "{{ deploy_user }}"
    ansible_port: "{{ base_port + index }}"
    ansible_host: "10.0.0.{{ index + 10 }}"
    ansible_become: "{{ index > 1 }}"
    ansible_ssh_private_key_file: "{{ inventory_dir }}/keys/{{ inventory_hostname_short }}"
    ansible_ssh_common_args: "-o ProxyJump={{ bastion | default('none') }}"
    ansible_ssh_timeout: "{{ 20 + index * 10 }}"
  hosts:
    web1.example.com: {index: 1}
    web2.example.com: {index: 2, bastion: jump1}
"""
    loaded = inventory(tmp_path, text)
    oracle = AnsibleView(tmp_path / "hosts.yml")
    for host in loaded.hosts:
        spec = host.connection
        assert spec.problem is None
        rendered = {name: oracle.rendered(host.name, name) for name in
                    ("ansible_user", "ansible_port", "ansible_host", "ansible_become", "ansible_ssh_private_key_file",
                     "ansible_ssh_common_args", "ansible_ssh_timeout")}
        assert (spec.user, spec.port, spec.address, spec.become, spec.key_file, spec.ssh_common_args,
                spec.connect_timeout) == (
            rendered["ansible_user"], rendered["ansible_port"], rendered["ansible_host"], rendered["ansible_become"],
            rendered["ansible_ssh_private_key_file"], rendered["ansible_ssh_common_args"],
            rendered["ansible_ssh_timeout"])
    assert loaded.host("web2.example.com").connection.port == 2202
    assert loaded.host("web1.example.com").connection.key_file == str(tmp_path / "keys" / "web1")


def test_a_connection_fleetctl_does_not_speak_fails_that_host_when_it_is_contacted(tmp_path):
    loaded = inventory(tmp_path, "all:\n  hosts:\n    box: {ansible_connection: docker}\n"
                                 "    here: {ansible_connection: local}\n")
    assert loaded.host("box").connection.connection == "docker"
    with pytest.raises(TransportError, match=r"^box: unknown connection 'docker' \(expected ssh or local\)$"):
        connect(loaded.host("box").connection)
    with connect(loaded.host("here").connection) as transport:
        assert transport.run(["echo", "ok"]).stdout.strip() == "ok"


@pytest.mark.parametrize(("variables", "problem"), [
    ("{ansible_port: ssh}", ":3: host h1: ansible_port must be an integer, got 'ssh'"),
    ("{ansible_become: maybe}", ":3: host h1: ansible_become must be a boolean, got 'maybe'"),
    ("{ansible_ssh_timeout: 0}", ":3: host h1: ansible_ssh_timeout must be >= 1, got 0"),
    ("{ansible_paramiko_timeout: soon}", ":3: host h1: ansible_paramiko_timeout must be an integer, got 'soon'"),
    ("{ansible_user: '{{ deploy_user }}'}", ":3: host h1: ansible_user: 'deploy_user' is undefined"),
    ("{ansible_become: '{{ become_it }}', become_it: '{{ nope }}'}", ":3: host h1: ansible_become: 'nope' is undefined"),
    ("{ansible_host: '{{ a'}", ":3: host h1: ansible_host: template syntax error: unexpected end of template,"
                               " expected 'end of print statement'."),
    ("{ansible_user: [a]}", ":3: host h1: ansible_user must be a string, got a list"),
])
def test_a_bad_connection_variable_fails_its_host_only_when_contacted(tmp_path, variables, problem):
    loaded = inventory(tmp_path, f"all:\n  hosts:\n    h1: {variables}\n    h2:\n")
    spec = loaded.host("h1").connection
    assert spec.problem == f"{tmp_path / 'hosts.yml'}{problem}"
    with pytest.raises(TransportError) as caught:
        connect(spec)
    assert str(caught.value) == spec.problem
    assert loaded.host("h2").connection.problem is None


def test_an_address_ssh_cannot_take_is_a_problem_of_that_host():
    missing = load_inventory(PROBLEMS / "missing_address.yaml")
    assert missing.host("web2").connection.problem == (
        f"{PROBLEMS / 'missing_address.yaml'}:8: host web2: missing address: ansible_host is empty"
        " (set it, or remove it to use the host name)")
    assert missing.host("web1").connection.problem is None
    named = load_inventory(PROBLEMS / "name_not_address.yaml")
    assert named.host("-oProxyCommand=sh").connection.problem == (
        f"{PROBLEMS / 'name_not_address.yaml'}:6: host -oProxyCommand=sh: no usable address:"
        " its name '-oProxyCommand=sh' cannot be an SSH destination; set ansible_host")


def test_legacy_spellings_and_ansibles_loose_booleans(tmp_path):
    loaded = inventory(tmp_path, """
all:
  hosts:
    db:
      ansible_ssh_host: 172.16.0.5
      ansible_ssh_port: "2200"
      ansible_ssh_user: admin
      ansible_private_key_file: ~/.ssh/db
      ansible_connection: smart
      ansible_become: "yes"
      ansible_paramiko_timeout: "45"
""")
    spec = loaded.host("db").connection
    assert (spec.address, spec.port, spec.user, spec.connection, spec.become, spec.connect_timeout) == (
        "172.16.0.5", 2200, "admin", "ssh", True, 45)
    assert spec.key_file.endswith("/.ssh/db") and not spec.key_file.startswith("~")
