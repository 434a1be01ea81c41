"""Which files an inventory path stands for, and whether each is read as YAML, INI or by ansible-core."""

import pytest

from fleetctl.inventory import InventoryError, load_inventory
from fleetctl.inventory.datafiles import DataFiles
from fleetctl.inventory.sources import SourceKind, inventory_files, source_kind
from fleetctl.inventory.vault import Vault

from .ansible_oracle import ansible_view, fleetctl_view
from .trees import write_files


def test_a_folder_is_its_files_in_name_order_without_the_names_ansible_ignores(tmp_path):
    root = write_files(tmp_path, {name: "" for name in (
        "b.yml", "a.ini", "c", "sub/z.yaml", "sub/.hidden", "README.md", "x.txt", "y.rst", "z.retry", "w.cfg",
        "v.orig", "u.bak", "t.swp", "s.pyc", "r~", "group_vars/all.yml", "host_vars/h", "vars_plugins/p.py",
        ".git/config")})
    assert [shown for _, shown in inventory_files(root, "inv")] == ["inv/a.ini", "inv/b.yml", "inv/c", "inv/sub/z.yaml"]


@pytest.mark.parametrize(("name", "text", "executable", "kind"), [
    ("hosts.yml", "all: {}\n", False, SourceKind.STATIC),
    ("hosts.yml", "plugin: constructed\n", False, SourceKind.PLUGIN),
    ("hosts.json", '{"plugin": "constructed"}', False, SourceKind.STATIC),  # Ansible wants .yml or .yaml for them
    ("hosts.toml", "[web]\n", False, SourceKind.TOML),
    ("inventory.py", "#!/usr/bin/env python3\n", True, SourceKind.SCRIPT),
    ("hosts.ini", "[web]\nw1\n", True, SourceKind.STATIC),  # a stray execute bit
    ("inventory.py", "#!/usr/bin/env python3\n", False, SourceKind.STATIC),
])
def test_what_kind_of_source_a_file_is(tmp_path, name, text, executable, kind):
    path = write_files(tmp_path, {name: text}) / name
    if executable:
        path.chmod(0o755)
    assert source_kind(path, name, DataFiles(Vault(), [])) is kind


@pytest.mark.parametrize(("name", "text"), [
    ("hosts.yml", "web1\nweb2\n"),  # YAML reads a string: ansible-core then reads it as INI
    ("hosts", "[web]\nweb1\n"),
    ("hosts.yaml", "# only comments\n"),  # empty YAML, empty INI
    ("inventory.cfg", "[web]\nw1\n"),  # given by name, a .cfg file is read (only a folder skips them)
    ("HOSTS.YML", "all:\n  hosts: {h: }\n"),  # an extension in capitals is not YAML's: INI, which refuses it
])
def test_yaml_then_ini_as_ansible_core_tries_them(tmp_path, name, text):
    path = write_files(tmp_path, {name: text, "other.ini": "[x]\nx1\n"}) / name
    try:
        loaded = load_inventory(path)
    except InventoryError:
        assert ansible_view(path)["hosts"] == []
        return
    assert fleetctl_view(loaded) == ansible_view(path)


@pytest.mark.parametrize(("name", "text", "message"), [
    ("hosts.yml", "all:\n  hosts:\n    web1:\n   bad: 1\n", ":4: invalid YAML:"),  # a .yml file: YAML's error
    ("hosts", "all:\n  hosts:\n    - web1\n", ":2: hosts of group all must be a mapping"),  # YAML it is
    ("hosts", "[web]\nw1 x\n", ":2: expected key=value after the host name"),  # INI it is
])
def test_the_error_of_the_format_the_file_is_in(tmp_path, name, text, message):
    path = write_files(tmp_path, {name: text}) / name
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert str(caught.value).startswith(f"{path}{message}")
