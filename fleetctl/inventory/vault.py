"""ansible-vault: decrypting ``!vault`` values and encrypted files with ansible-core's own vault code.

fleetctl writes no cipher of its own: ansible-core comes with the optional
extra (``pip install 'fleetctl[ansible]'``) and is imported only when
something encrypted must be read. The password comes from
``--vault-password-file`` or ``ANSIBLE_VAULT_PASSWORD_FILE``: a file holding
it, or an executable printing it, as ansible-vault reads them. Errors never
show a decrypted value.
"""

import os
import threading

from fleetctl.inventory.errors import InventoryError

PASSWORD_FILE_VARIABLE = "ANSIBLE_VAULT_PASSWORD_FILE"
VAULT_HEADER = "$ANSIBLE_VAULT;"
INSTALL_HINT = "pip install 'fleetctl[ansible]'"


class VaultError(InventoryError):
    """Encrypted data that cannot be decrypted: no password given, a wrong one, or no ansible-core."""


def is_encrypted(text: str) -> bool:
    return text.lstrip().startswith(VAULT_HEADER)


def password_file_from(option: str | None) -> str | None:
    """The password file: the command line's, else ANSIBLE_VAULT_PASSWORD_FILE's, else none."""
    return option or os.environ.get(PASSWORD_FILE_VARIABLE) or None


class Vault:
    """Decrypts with the secret of one password file, read on first use; plaintexts are cached by ciphertext."""

    def __init__(self, password_file: str | None = None):
        self.password_file = password_file
        self._lib = None
        self._plaintexts: dict[str, str] = {}
        self._lock = threading.Lock()

    def decrypt(self, ciphertext: str, what: str) -> str:
        """The plaintext of ``ciphertext``; ``what`` names it in errors (a file, or a host and variable)."""
        with self._lock:
            if ciphertext not in self._plaintexts:
                self._plaintexts[ciphertext] = self._decrypt(ciphertext, what)
            return self._plaintexts[ciphertext]

    def secrets(self, what: str) -> list:
        """ansible-core's (vault id, secret) list, for its own loader (dynamic inventories)."""
        return self._vault_lib(what).secrets

    def _decrypt(self, ciphertext: str, what: str) -> str:
        if self.password_file is None:
            raise VaultError(f"{what} is encrypted with ansible-vault: give --vault-password-file FILE"
                             f" (or set {PASSWORD_FILE_VARIABLE})")
        lib = self._vault_lib(what)
        from ansible.errors import AnsibleError

        try:
            plaintext = lib.decrypt(ciphertext.strip())
        except AnsibleError as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise VaultError(f"{what}: cannot decrypt with the password of {self.password_file}: {reason}") from None
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError:
            raise VaultError(f"{what}: the decrypted data is not UTF-8 text") from None

    def _vault_lib(self, what: str):
        if self._lib is None:
            try:
                from ansible.errors import AnsibleError
                from ansible.parsing.dataloader import DataLoader
                from ansible.parsing.vault import VaultLib, get_file_vault_secret
            except ImportError:
                raise VaultError(f"{what} is encrypted with ansible-vault, and decrypting it needs ansible-core:"
                                 f" {INSTALL_HINT}") from None
            try:
                secret = get_file_vault_secret(filename=self.password_file, vault_id="default", loader=DataLoader())
                secret.load()
            except AnsibleError as error:
                raise VaultError(f"vault password file {self.password_file}: {str(error).splitlines()[0]}") from None
            self._lib = VaultLib([("default", secret)])
        return self._lib
