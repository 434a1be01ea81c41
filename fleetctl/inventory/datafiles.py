"""Inventory and vars files read as Ansible's loader reads them: decrypted when vault-encrypted, JSON first, then YAML.

JSON first matters: a tab-indented JSON file is valid JSON but not valid
YAML. JSON objects are LocatedMaps without lines (errors then name the file
only). Ansible's JSON forms of tagged values (``__ansible_vault``,
``__ansible_unsafe``) give the same values as the YAML tags.
"""

import json
from pathlib import Path

from fleetctl.inventory.errors import InventoryError
from fleetctl.inventory.vault import Vault, is_encrypted
from fleetctl.yamlfile import EncryptedValue, LocatedMap, UnsafeText, parse_yaml, read_text


class DataFiles:
    """Reads files once each (a group_vars file serves every host of its group)."""

    def __init__(self, vault: Vault, warnings: list[str]):
        self.vault = vault
        self.warnings = warnings
        self._texts: dict[Path, str] = {}
        self._data: dict[Path, object] = {}

    def text(self, path: Path, shown_as: str) -> str:
        if path not in self._texts:
            text = read_text(path, shown_as, InventoryError)
            if is_encrypted(text):
                text = self.vault.decrypt(text, shown_as)
            self._texts[path] = text
        return self._texts[path]

    def data(self, path: Path, shown_as: str):
        if path not in self._data:
            data = self._data[path] = parse_data(self.text(path, shown_as), shown_as)
            for key, line in getattr(data, "duplicate_keys", ()):
                self.warnings.append(f"{shown_as}:{line}: {key} is written twice in one mapping; the last one counts"
                                     " (Ansible warns too)")
        return self._data[path]


def parse_data(text: str, shown_as: str):
    try:
        return json.loads(text, object_pairs_hook=_json_object)
    except ValueError:
        pass
    return parse_yaml(text, shown_as, InventoryError, encrypted_values=True)


def _json_object(pairs):
    if len(pairs) == 1:
        key, value = pairs[0]
        if key == "__ansible_vault" and isinstance(value, str):
            return EncryptedValue(value)
        if key == "__ansible_unsafe" and isinstance(value, str):
            return UnsafeText(value)
    mapping = LocatedMap(pairs)
    mapping.line = None
    return mapping
