"""group_vars/ and host_vars/: which files count, in which order (Ansible's host_group_vars rules)."""

import os

from fleetctl.inventory.datafiles import DataFiles
from fleetctl.inventory.varsfiles import VarsFolder, find_vars_files
from fleetctl.inventory.vault import Vault

from .trees import write_files


def names(root, found):
    return [os.path.relpath(path, root) for path in found]


def test_the_first_of_name_name_yml_name_yaml_name_json_that_exists_and_only_it(tmp_path):
    write_files(tmp_path, {"a.yml": "", "a.yaml": "", "a.json": "", "b.yaml": "", "b.json": "", "c.json": "",
                           "d": "", "d.yml": ""})
    assert [names(tmp_path, find_vars_files(str(tmp_path), name)) for name in "abcde"] == [
        ["a.yml"], ["b.yaml"], ["c.json"], ["d"], []]


def test_a_folder_is_read_whole_in_name_order_through_subfolders(tmp_path):
    write_files(tmp_path, {"all/b.yml": "", "all/a/z.yml": "", "all/a/y": "", "all/c.json": "", "all/d.txt": "",
                           "all/e.yml~": "", "all/.f.yml": "", "all/g.d/x.yml": "", "all/h.YML": "", "all/i.yaml": "",
                           "all.yml": ""})
    assert names(tmp_path, find_vars_files(str(tmp_path), "all")) == [
        "all/a/y", "all/a/z.yml", "all/b.yml", "all/c.json", "all/i.yaml"]


def test_a_broken_link_is_passed_over_for_the_next_name(tmp_path):
    write_files(tmp_path, {"web.yaml": ""})
    (tmp_path / "web").symlink_to(tmp_path / "missing")
    assert names(tmp_path, find_vars_files(str(tmp_path), "web")) == ["web.yaml"]


def test_layers_say_where_each_variable_was_set_and_skip_empty_files(tmp_path):
    write_files(tmp_path, {"host_vars/h1/a.yml": "x: 1\ny: 2\n", "host_vars/h1/b.yml": "# nothing\n",
                           "host_vars/h1/c.json": '{"z": 3}'})
    layers = VarsFolder(tmp_path, "inv", DataFiles(Vault(), []), []).host_layers("h1")
    assert [layer.shown_as for layer in layers] == ["inv/host_vars/h1/a.yml", "inv/host_vars/h1/c.json"]
    assert layers[0].where("y") == ("inv/host_vars/h1/a.yml", 2)
    assert layers[1].where("z") == ("inv/host_vars/h1/c.json", None)  # JSON keeps no lines


def test_names_that_are_paths_have_no_vars_files(tmp_path):
    write_files(tmp_path, {"host_vars/x.yml": "a: 1\n"})
    assert VarsFolder(tmp_path, "inv", DataFiles(Vault(), []), []).host_layers("/srv/chroot/x") == []
