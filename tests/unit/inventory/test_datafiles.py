"""Inventory and vars files: JSON first, then YAML, as Ansible's loader reads them."""

from fleetctl.inventory.datafiles import DataFiles, parse_data
from fleetctl.inventory.vault import Vault
from fleetctl.yamlfile import EncryptedValue, UnsafeText

from .trees import write_files


def test_json_first_then_yaml():
    assert parse_data('{\n\t"a": 1e3\n}', "f") == {"a": 1000.0}  # tab-indented JSON, which YAML refuses
    assert parse_data("a: 1e3\n", "f") == {"a": "1e3"}  # YAML 1.1: a string
    assert parse_data('{"v": {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\\n31"}, "u": {"__ansible_unsafe": "{{ x }}"}}',
                      "f") == {"v": EncryptedValue("$ANSIBLE_VAULT;1.1;AES256\n31"), "u": "{{ x }}"}
    assert isinstance(parse_data('{"u": {"__ansible_unsafe": "{{ x }}"}}', "f")["u"], UnsafeText)


def test_a_file_is_read_once_and_a_key_written_twice_is_a_warning(tmp_path):
    write_files(tmp_path, {"vars.yml": "a: 1\nb:\n  c: 1\n  c: 2\n"})
    warnings = []
    files = DataFiles(Vault(), warnings)
    first = files.data(tmp_path / "vars.yml", "inv/vars.yml")
    assert files.data(tmp_path / "vars.yml", "inv/vars.yml") is first
    assert first == {"a": 1, "b": {"c": 2}}
    assert warnings == ["inv/vars.yml:4: c is written twice in one mapping; the last one counts (Ansible warns too)"]
