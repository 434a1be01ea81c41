"""YAML files with the line of every key, Ansible's !unsafe and !vault tags, and keys written twice."""

import pytest
import yaml

from fleetctl import yamlfile
from fleetctl.errors import InputError
from fleetctl.yamlfile import EncryptedValue, LocatedMap, UnsafeText, parse_yaml


def test_libyaml_parses_when_pyyaml_has_it():
    assert (yamlfile._FastParser is not None) == yaml.__with_libyaml__


def test_every_key_knows_its_line_and_a_key_written_twice_is_listed():
    data = parse_yaml("a: 1\nb:\n  c: &x {d: 1}\n  e:\n    <<: *x\n    d: 2\na: 3\n", "f")
    assert isinstance(data, LocatedMap) and data == {"a": 3, "b": {"c": {"d": 1}, "e": {"d": 2}}}
    assert (data.line_of("b"), data["b"].line_of("e")) == (2, 4)
    assert data.duplicate_keys == (("d", 6), ("a", 7))


def test_ansibles_tags():
    data = parse_yaml('u: !unsafe "{{ x }}"\nv: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3131\n', "f",
                      encrypted_values=True)
    assert isinstance(data["u"], UnsafeText) and data["u"] == "{{ x }}"
    assert data["v"] == EncryptedValue("$ANSIBLE_VAULT;1.1;AES256\n3131\n")
    assert repr(data["v"]) == "<vault-encrypted value>"
    with pytest.raises(InputError, match=r"^f:2: invalid YAML: ansible-vault encrypted values \(!vault\) are not"
                                         r" supported here"):
        parse_yaml("u: 1\nv: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n", "f")


def test_an_error_names_line_and_column_in_the_pure_python_parsers_words():
    with pytest.raises(InputError) as caught:
        parse_yaml("a:\n  b: 1\n c: 2\n", "f")
    assert str(caught.value) == "f:3: invalid YAML: expected <block end>, but found '<block mapping start>' (column 2)"
