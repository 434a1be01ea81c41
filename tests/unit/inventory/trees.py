"""Inventories written into a temporary folder for a test: {relative path: text}."""

from pathlib import Path


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write each file under root (folders made as needed); returns root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
