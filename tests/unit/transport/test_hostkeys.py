"""HostKeysFor: one host's known_hosts entries answer lookups exactly as paramiko's whole-file load does."""

import subprocess

import paramiko
import pytest
from paramiko.hostkeys import HostKeys

from fleetctl.transport.hostkeys import HostKeysFor


@pytest.fixture(scope="module")
def known_hosts(tmp_path_factory):
    keys = {name: paramiko.Ed25519Key.from_private_key_file(str(path)) for name, path in _keys(tmp_path_factory)}
    hashed = HostKeys.hash_host("hashed.example")
    lines = [
        "# a comment",
        f"plain.example {keys['a'].get_name()} {keys['a'].get_base64()}",
        f"[plain.example]:2222,other.example {keys['b'].get_name()} {keys['b'].get_base64()}",
        f"{hashed} {keys['c'].get_name()} {keys['c'].get_base64()}",
    ]
    path = tmp_path_factory.mktemp("kh") / "known_hosts"
    path.write_text("\n".join(lines) + "\n")
    return path, keys


def _keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    for name in "abc":
        path = folder / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
        yield name, path


@pytest.mark.parametrize("name", ["plain.example", "[plain.example]:2222", "other.example", "hashed.example",
                                  "missing.example"])
def test_lookups_match_paramikos_whole_file(known_hosts, name):
    known_hosts, _ = known_hosts
    whole = HostKeys(str(known_hosts))
    mine = HostKeysFor(known_hosts, name)
    expected = whole.lookup(name)
    found = mine.lookup(name)
    if expected is None:
        assert found is None
    else:
        assert {kind: key.get_base64() for kind, key in found.items()} == \
               {kind: key.get_base64() for kind, key in expected.items()}


def test_only_the_hosts_own_lines_are_loaded(known_hosts):
    known_hosts, _ = known_hosts
    assert [entry.hostnames for entry in HostKeysFor(known_hosts, "other.example")._entries] == \
           [["[plain.example]:2222", "other.example"]]


def test_a_broken_line_of_another_host_is_skipped_and_its_own_host_stays_unknown(known_hosts, tmp_path):
    # paramiko's whole-file load raises on it; OpenSSH skips it. Unknown means refused.
    known_hosts, _ = known_hosts
    broken = tmp_path / "known_hosts"
    broken.write_text(known_hosts.read_text() + "broken.example ssh-ed25519 not-base64!\n")
    assert HostKeysFor(broken, "plain.example").lookup("plain.example") is not None
    assert HostKeysFor(broken, "broken.example").lookup("broken.example") is None


def test_a_revoked_key_is_never_trusted(known_hosts, tmp_path):
    known_hosts, keys = known_hosts
    revoking = tmp_path / "known_hosts"
    revoking.write_text(known_hosts.read_text() +
                        f"@revoked plain.example {keys['a'].get_name()} {keys['a'].get_base64()}\n")
    assert HostKeysFor(revoking, "plain.example").lookup("plain.example") is None
    assert HostKeysFor(revoking, "other.example").lookup("other.example") is not None



def test_the_file_is_read_once_per_version_however_many_hosts_are_looked_up(known_hosts, tmp_path, monkeypatch):
    import builtins

    source, keys = known_hosts
    path = tmp_path / "known_hosts"
    path.write_text(source.read_text())
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    for name in ["plain.example", "other.example", "hashed.example", "missing.example"] * 3:
        HostKeysFor(path, name)
    assert opened.count(str(path)) == 1
    with real_open(path, "a") as appended:  # trust on first use appends: that new version is read
        appended.write(f"new.example {keys['a'].get_name()} {keys['a'].get_base64()}\n")
    assert HostKeysFor(path, "new.example").lookup("new.example") is not None
    assert HostKeysFor(path, "plain.example").lookup("plain.example") is not None
    assert opened.count(str(path)) == 2
