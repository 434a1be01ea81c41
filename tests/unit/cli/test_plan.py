"""plan and facts: exit codes, one-line errors, the JSON contract, a role's files and hooks (local connection)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fleetctl.cli import main
from fleetctl.facts import parse_probe
from fleetctl.plan.hosts import HostPlan

from ..fixture_files import INVENTORY_FIXTURES

REPO = Path(__file__).resolve().parents[3]
BAD = INVENTORY_FIXTURES / "bad"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(path.name for path in BAD.glob("*.yaml")))
def test_bad_inventory_is_one_line_naming_the_file_exit_2(name):
    result = invoke("plan", str(BAD / name))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and name in lines[0]


def test_an_error_quoting_the_input_prints_it_literally(tmp_path):
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[web]\nweb1\n[web:vars\nx=1\n")
    result = invoke("plan", str(inventory))
    assert result.exit_code == 2
    # rich would turn ':end:' into an emoji and '[web:vars' could be read as markup
    assert "[begin:end:step]" in result.stderr and "the line: [web:vars)" in result.stderr


def test_bad_policy_override_names_host_and_variable_exit_2(tmp_path):
    inventory = tmp_path / "inv.yaml"
    inventory.write_text("all:\n  hosts:\n    here:\n      ansible_connection: local\n      fleet_mode: single\n"
                         "      fleet_workers: 4\n")
    result = invoke("plan", str(inventory))
    assert result.exit_code == 2
    assert "fleet_workers" in result.stderr or "fleet_mode" in result.stderr


def test_a_limit_that_leaves_no_host_is_bad_input_after_ansibles_warning():
    inventory = str(REPO / "inventories/local.yaml")
    result = invoke("plan", inventory, "--limit", "nosuchhost")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Warning: Could not match supplied host pattern, ignoring: nosuchhost",
        f"Error: --limit 'nosuchhost' leaves no host of {inventory} to act on",
    ]


def test_plan_of_this_machine_over_the_local_connection():
    result = invoke("plan", str(REPO / "inventories/local.yaml"), "--json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["host"] == "localhost" and row["error"] is None
    assert row["mode"] in ("single", "cluster") and row["workers"] >= 1
    assert row["facts"]["cpus_online"] >= 1 and row["reason"]


def test_plan_json_names_the_platform_its_facts_make():
    result = invoke("plan", str(REPO / "inventories/local.yaml"), "--json")
    [row] = json.loads(result.stdout)
    facts = row["facts"]
    assert facts["os"] == "linux" and facts["libc"] in ("glibc", "musl") and facts["node_abi"].isdigit()
    assert facts["opt_free_mb"] > 0
    assert row["platform"] == f"linux-{facts['arch']}-{facts['libc']}-node{facts['node_abi']}"


def test_plan_json_platform_is_null_without_node_or_facts():
    without_node = parse_probe((REPO / "tests/unit/fixtures/probe/kvm-vm.txt").read_text())
    assert HostPlan("vm1", facts=without_node).to_dict()["platform"] is None
    assert HostPlan("down", error="down: connection refused").to_dict()["platform"] is None


def test_plan_table_shows_every_host_and_its_reason():
    result = invoke("plan", str(REPO / "inventories/local.yaml"))
    assert result.exit_code == 0
    assert "localhost" in result.stdout and "row " in result.stdout


def test_facts_prints_json_with_raw_probe():
    result = invoke("facts", str(REPO / "inventories/local.yaml"), "--raw")
    assert result.exit_code == 0
    [entry] = json.loads(result.stdout)
    assert entry["facts"]["hostname"] and "==>" in entry["raw"]


def test_units_flag_prints_the_rendered_unit(tmp_path):
    inventory = tmp_path / "inv.yaml"
    inventory.write_text("all:\n  hosts:\n    here:\n      ansible_connection: local\n      fleet_app_name: hello\n"
                         "      fleet_workers: 2\n")
    result = invoke("plan", str(inventory), "--units")
    assert result.exit_code == 0, result.stderr
    assert "ExecStart=/usr/bin/node /opt/fleet/runtime/node-cluster-runtime.js" in result.stdout
    assert "FLEET_WORKERS=2" in result.stdout


# --- roles: plan shows their files and hooks, a broken one is exit 2 on one line ------------


def test_plan_shows_the_roles_files_and_hooks(site):
    inventory, out = site
    result = invoke("plan", str(inventory), "--json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["roles"] == ["site"]
    assert row["deploy"]["steps"] == [
        f"write {out}/site.conf (mode 0640, 20 bytes of content)",
        f"sh -c 'echo reloaded >> {out}/log'",
    ]
    assert row["deploy"]["hooks"] == {
        "before_host": [f"before_host on here: sh -c 'echo \"before_host $FLEET_HOST\" >> \"$0\"/log' {out} (role site)"]}
    assert not (out / "site.conf").exists()  # plan changes nothing


def test_a_template_that_cannot_render_is_exit_2_before_any_host(site):
    inventory, out = site
    (inventory.parent / "roles" / "site" / "templates" / "site.conf.j2").write_text("{{ nope }}\n")
    result = invoke("plan", str(inventory))
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: host here: role site: templates/site.conf.j2: 'nope' is undefined"


HERE_AND_A_DOCKER_HOST = """
all:
  hosts:
    here: {ansible_connection: local}
    box: {ansible_connection: docker, ansible_become: "{{ wants_root }}", wants_root: true}
  children:
    weird-name: {hosts: {here: }}
"""


def test_a_host_fleetctl_cannot_contact_fails_alone_and_only_when_selected(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(HERE_AND_A_DOCKER_HOST)
    selected = invoke("plan", str(inventory), "--limit", "here", "--json")
    assert selected.exit_code == 0, selected.stderr
    assert [row["host"] for row in json.loads(selected.stdout)] == ["here"]
    every = invoke("plan", str(inventory), "--json")
    assert every.exit_code == 1
    rows = {row["host"]: row for row in json.loads(every.stdout)}
    assert rows["here"]["error"] is None
    assert rows["box"]["error"] == "box: unknown connection 'docker' (expected ssh or local)"


def test_inventory_warnings_go_to_stderr_and_the_command_goes_on(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(HERE_AND_A_DOCKER_HOST)
    result = invoke("facts", str(inventory), "--limit", "here")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Warning: {inventory}:7: group name 'weird-name' has characters")
    assert json.loads(result.stdout)[0]["host"] == "here"


def test_an_inventory_folder_of_ini_and_yaml_files(tmp_path):
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "01-local.ini").write_text("[local]\nhere ansible_connection=local\n")
    (tmp_path / "inventory" / "02-more.yml").write_text("local:\n  vars: {fleet_kind: server}\n")
    result = invoke("plan", str(tmp_path / "inventory"), "--json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["host"] == "here" and row["kind"] == "server"


def test_a_bad_ini_line_is_exit_2_naming_the_file_line_and_quoting_it(tmp_path):
    inventory = tmp_path / "hosts"
    inventory.write_text("[web]\nweb1 ansible_host=10.0.0.1 become\n")
    result = invoke("plan", str(inventory))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {inventory}:2: expected key=value after the host name, got 'become' (read as an INI inventory;"
        " the line: web1 ansible_host=10.0.0.1 become)")


def test_vault_encrypted_variables_with_a_password_file_and_no_secret_in_the_output(tmp_path, monkeypatch):
    from ..inventory.ansible_oracle import vault_encrypt

    def vaulted(text: str) -> str:
        return "!vault |\n" + "\n".join("        " + line for line in vault_encrypt(text, "pw").splitlines())

    (tmp_path / "password").write_text("pw\n")
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(f"all:\n  hosts:\n    here:\n      ansible_connection: local\n"
                         f"      fleet_kind: {vaulted('server')}\n      fleet_app_name: shop\n"
                         f"      fleet_app_port: {vaulted('s3cret-port')}\n")
    by_option = invoke("plan", str(inventory), "--vault-password-file", str(tmp_path / "password"))
    assert by_option.exit_code == 2
    assert by_option.stderr.strip() == (f"Error: {inventory}:13: host here: fleet_app_port: the value (from"
                                        " ansible-vault, not shown) is not a valid integer 1..65535")
    inventory.write_text(inventory.read_text().replace("      fleet_app_name: shop\n", ""))
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(tmp_path / "password"))
    by_environment = invoke("plan", str(inventory), "--json")
    assert by_environment.exit_code == 0, by_environment.stderr
    assert json.loads(by_environment.stdout)[0]["kind"] == "server"
    assert "s3cret" not in by_option.output + by_environment.output
def test_detailed_exitcode_says_whether_a_deploy_would_change_anything(site):
    inventory, out = site
    pending = invoke("plan", str(inventory), "--detailed-exitcode")
    assert pending.exit_code == 2, pending.stderr
    assert invoke("deploy", str(inventory)).exit_code == 0
    assert invoke("plan", str(inventory), "--detailed-exitcode").exit_code == 0
    assert invoke("plan", str(inventory)).exit_code == 0


def test_detailed_exitcode_is_1_for_bad_input_and_for_a_failed_host(tmp_path):
    assert invoke("plan", str(BAD / sorted(BAD.glob("*.yaml"))[0].name), "--detailed-exitcode").exit_code == 1
    inventory = tmp_path / "inv.yaml"
    inventory.write_text("all:\n  hosts:\n    gone:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n")
    assert invoke("plan", str(inventory), "--detailed-exitcode").exit_code == 1


def test_plan_diffs_each_role_file_against_the_hosts_and_hides_a_secret_ones(site):
    inventory, out = site
    role = inventory.parent / "roles" / "site"
    (role / "templates" / "token.j2").write_text("token {{ site_port }}-very-secret\n")
    with (role / "templates.yaml").open("a") as templates:
        templates.write('- {src: token.j2, dest: "{{ site_dir }}/token", mode: "0600", secret: true}\n')
    assert invoke("deploy", str(inventory)).exit_code == 0
    text = inventory.read_text().replace("site_dir:", "site_port: 9090\n      site_dir:")
    inventory.write_text(text)
    result = invoke("plan", str(inventory), "--json", "--detailed-exitcode")
    assert result.exit_code == 2, result.stderr
    [row] = json.loads(result.stdout)
    diffs = {diff["path"]: diff["diff"] for diff in row["deploy"]["diffs"]}
    assert diffs[f"{out}/site.conf"] == (f"--- {out}/site.conf (on host)\n+++ {out}/site.conf (new)\n"
                                         "@@ -1 +1 @@\n-host here port 8080\n+host here port 9090\n")
    assert diffs[f"{out}/token"] == f"{out}/token: secret content, not shown (23 bytes to write)\n"
    assert "very-secret" not in result.stdout
    shown = invoke("plan", str(inventory))
    assert "+host here port 9090" in shown.stdout and "very-secret" not in shown.stdout
