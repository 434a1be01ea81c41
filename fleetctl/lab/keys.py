"""SSH keys of the lab: one client key pair, one host key per host, and a known_hosts file.

Host keys are made here, before a host starts, and bind-mounted into it, so the
lab's known_hosts is written from keys it generated itself: nothing is learnt
over the network and nothing turns host-key checking off.
"""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def ensure_keypair(private_path: Path, comment: str) -> str:
    """Create an OpenSSH ed25519 key pair unless it exists; return the public key line."""
    public_path = private_path.with_name(private_path.name + ".pub")
    if not private_path.exists():
        key = Ed25519PrivateKey.generate()
        private_path.parent.mkdir(parents=True, exist_ok=True)
        private_path.touch(mode=0o600)
        private_path.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        ))
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        public_path.write_text(f"{public.decode()} {comment}\n")
    return public_path.read_text().strip()


def known_hosts_line(address: str, port: int, public_key_line: str) -> str:
    key_type, key_data = public_key_line.split()[:2]
    host = address if port == 22 else f"[{address}]:{port}"
    return f"{host} {key_type} {key_data}"
