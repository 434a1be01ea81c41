"""The lab's SSH key pair and known_hosts lines."""

import pytest

from fleetctl.lab.keys import ensure_keypair, known_hosts_line


def test_keypair_is_made_once_with_private_mode(tmp_path):
    key = tmp_path / "id_ed25519"
    public = ensure_keypair(key, "me")
    assert public.startswith("ssh-ed25519 ") and public.endswith(" me")
    assert key.stat().st_mode & 0o777 == 0o600
    assert ensure_keypair(key, "other") == public


@pytest.mark.parametrize("port, prefix", [(22, "10.0.0.5 "), (2222, "[10.0.0.5]:2222 ")])
def test_known_hosts_line(port, prefix):
    assert known_hosts_line("10.0.0.5", port, "ssh-ed25519 AAAA root@h") == prefix + "ssh-ed25519 AAAA"
