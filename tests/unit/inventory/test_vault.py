"""ansible-vault: !vault values and encrypted files decrypt with ansible-core's code; a secret is never shown."""

import json
import os
import sys

import pytest

from fleetctl.inventory import InventoryError, load_inventory
from fleetctl.inventory.vault import Vault, VaultError

from .ansible_oracle import AnsibleView, fleetctl_view, ansible_view, vault_encrypt
from .trees import write_files

PASSWORD = "correct horse"
SECRET = "hunter2-s3cret"


def vaulted(text: str, indent: int = 4) -> str:
    """A !vault value as ansible-vault encrypt_string writes it, indented for a YAML mapping."""
    lines = vault_encrypt(text, PASSWORD).splitlines()
    return "!vault |\n" + "\n".join(" " * (indent + 2) + line for line in lines)


@pytest.fixture
def fleet(tmp_path):
    """An inventory with a !vault value, a template using it, and a whole encrypted group_vars file."""
    write_files(tmp_path, {
        "password": PASSWORD + "\n",
        "inventory/hosts.yml": f"""
all:
  vars:
    db_password: {vaulted(SECRET)}
    db_url: "postgres://app:{{{{ db_password }}}}@db/app"
  hosts:
    h1: {{ansible_connection: local, fleet_app_name: shop}}
""",
        "inventory/group_vars/all.yml": vault_encrypt(f"fleet_app_env:\n  API_KEY: {SECRET}\nfleet_workers: 3\n",
                                                      PASSWORD),
    })
    return tmp_path / "inventory" / "hosts.yml", str(tmp_path / "password")


def test_vault_values_and_files_decrypt_as_ansible_core_decrypts_them(fleet):
    path, password = fleet
    host = load_inventory(path, vault_password_file=password).host("h1")
    oracle = AnsibleView(path, vault_password_file=password)
    for name in ("db_password", "db_url", "fleet_workers"):
        assert host.vars[name] == oracle.rendered("h1", name)
    assert host.vars["db_url"] == f"postgres://app:{SECRET}@db/app"
    assert host.app.env == (("API_KEY", SECRET),)
    assert fleetctl_view(load_inventory(path, vault_password_file=password)) == ansible_view(
        path, vault_password_file=password)


def test_the_password_file_can_come_from_ansibles_environment_variable(fleet, monkeypatch):
    path, password = fleet
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", password)
    assert load_inventory(path).host("h1").vars["db_password"] == SECRET


def test_an_executable_password_file_prints_the_password(fleet, tmp_path):
    path, _ = fleet
    script = tmp_path / "password.sh"
    script.write_text(f"#!/bin/sh\necho '{PASSWORD}'\n")
    script.chmod(0o755)
    assert load_inventory(path, vault_password_file=str(script)).host("h1").vars["db_password"] == SECRET


def test_without_a_password_an_encrypted_file_is_an_error_naming_it(fleet):
    path, _ = fleet
    error = str(pytest.raises(InventoryError, load_inventory, path).value)
    assert error == (f"{path.parent}/group_vars/all.yml is encrypted with ansible-vault: give --vault-password-file"
                     " FILE (or set ANSIBLE_VAULT_PASSWORD_FILE)")


def test_without_a_password_a_vault_value_fails_only_where_it_is_read(tmp_path):
    path = write_files(tmp_path, {"hosts.yml": f"all:\n  hosts:\n    h1:\n      secret: {vaulted(SECRET, 6)}\n"
                                               "      plain: 1\n"}) / "hosts.yml"
    host = load_inventory(path).host("h1")
    assert host.vars["plain"] == 1
    error = str(pytest.raises(InventoryError, lambda: host.vars["secret"]).value)
    assert error == (f"{path}:4: host h1: secret is encrypted with ansible-vault: give --vault-password-file FILE"
                     " (or set ANSIBLE_VAULT_PASSWORD_FILE)")


def test_a_wrong_password_is_an_error_that_shows_no_secret(fleet, tmp_path):
    path, _ = fleet
    (tmp_path / "wrong").write_text("not the password\n")
    error = str(pytest.raises(InventoryError, load_inventory, path, vault_password_file=str(tmp_path / "wrong")).value)
    assert error.startswith(f"{path.parent}/group_vars/all.yml: cannot decrypt with the password of {tmp_path}/wrong:")
    assert SECRET not in error and "\n" not in error


def test_a_vault_value_that_is_not_valid_for_its_variable_is_not_shown(tmp_path):
    path = write_files(tmp_path, {"password": PASSWORD, "hosts.yml": (
        f"all:\n  hosts:\n    h1:\n      fleet_app_name: shop\n      fleet_app_port: {vaulted(SECRET, 6)}\n"
        "      fleet_app_user: \"{{ user_secret }}\"\n"
        f"      user_secret: {vaulted('Not A User', 6)}\n")}) / "hosts.yml"
    host = load_inventory(path, vault_password_file=str(tmp_path / "password")).host("h1")
    port_error = str(pytest.raises(InventoryError, lambda: host.vars["fleet_app_port"]).value)
    assert port_error == (f"{path}:5: host h1: fleet_app_port: the value (from ansible-vault, not shown) is not a"
                          " valid integer 1..65535")
    user_error = str(pytest.raises(InventoryError, lambda: host.vars["fleet_app_user"]).value)
    assert "Not A User" not in user_error and "(from ansible-vault, not shown)" in user_error


def test_the_json_form_of_a_vault_value(tmp_path):
    ciphertext = vault_encrypt(SECRET, PASSWORD)
    path = write_files(tmp_path, {"password": PASSWORD, "hosts": "h1\n",
                                  "host_vars/h1.json": json.dumps({"token": {"__ansible_vault": ciphertext}})})
    host = load_inventory(path / "hosts", vault_password_file=str(path / "password")).host("h1")
    assert host.vars["token"] == SECRET


def test_an_encrypted_inventory_file(tmp_path):
    path = write_files(tmp_path, {"password": PASSWORD, "hosts.ini": vault_encrypt("[web]\nw1 x=1\n", PASSWORD)})
    loaded = load_inventory(path / "hosts.ini", vault_password_file=str(path / "password"))
    assert fleetctl_view(loaded) == ansible_view(path / "hosts.ini", vault_password_file=str(path / "password"))


def test_without_ansible_core_the_error_says_how_to_install_it(fleet, monkeypatch):
    path, password = fleet
    ciphertext = vault_encrypt("x", PASSWORD)
    for name in [name for name in sys.modules if name == "ansible" or name.startswith("ansible.")]:
        monkeypatch.setitem(sys.modules, name, None)
    error = str(pytest.raises(VaultError, Vault(password).decrypt, ciphertext, "host h1: x").value)
    assert error == ("host h1: x is encrypted with ansible-vault, and decrypting it needs ansible-core:"
                     " pip install 'fleetctl[ansible]'")


def test_a_missing_password_file_is_one_line(fleet, tmp_path):
    path, _ = fleet
    error = str(pytest.raises(InventoryError, load_inventory, path, vault_password_file=str(tmp_path / "nope")).value)
    assert error == f"vault password file {tmp_path}/nope: The vault password file {tmp_path}/nope was not found"
    assert os.linesep not in error
