"""The layer order written in fleetctl/__init__.py holds: every import of every module is checked with ast."""

import ast
import re
from pathlib import Path

import fleetctl
from fleetctl import domain

PACKAGE = Path(fleetctl.__file__).parent
LAYER_LINE = re.compile(r"^\s*(\d+)\.\s+([a-z_, ]+?)(?:\s{2,}.*)?$")


def layers() -> dict[str, int]:
    """Package or top-level module name -> its layer, as the package docstring writes them."""
    ranks = {}
    for line in fleetctl.__doc__.splitlines():
        match = LAYER_LINE.match(line)
        if match:
            for name in match.group(2).split(","):
                ranks[name.strip()] = int(match.group(1))
    return ranks


def unit_of(module: str) -> str | None:
    """fleetctl.inventory.loader -> inventory; fleetctl (the package itself) -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "fleetctl" and len(parts) > 1 else None


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append((".".join(parts), path))
    return found


def imported(module: str, path: Path) -> list[tuple[str, int]]:
    """(fleetctl module, line) for every import in the file, those inside functions included."""
    names = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # `from fleetctl import facts` imports a unit; `import __version__` none
                is_unit = unit_of(base) is None and _is_unit(alias.name)
                names.append((f"{base}.{alias.name}" if is_unit else base, node.lineno))
    return [(name, line) for name, line in names if name.split(".")[0] == "fleetctl"]


def _is_unit(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def test_every_package_and_module_has_a_layer():
    ranks = layers()
    units = {unit_of(module) for module, _ in modules()} - {None, "__main__"}
    assert units - set(ranks) == set(), "add these to the layer list in fleetctl/__init__.py"
    assert set(ranks) - units == set(), "the layer list names what does not exist"


def test_no_module_imports_against_the_layer_order():
    ranks = layers()
    ranks["__main__"] = max(ranks.values()) + 1
    wrong = []
    for module, path in modules():
        unit = unit_of(module)
        if unit is None:
            continue
        for name, line in imported(module, path):
            target = unit_of(name)
            if target is None or target == unit:
                continue
            if ranks[target] >= ranks[unit]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {unit} (layer {ranks[unit]}) imports"
                             f" {name} (layer {ranks[target]})")
    assert wrong == []


# The words of the domain's values are written in fleetctl/domain.py only. "none" is left out:
# it is also systemd-detect-virt's answer and the host state script's word for "no record".
DOMAIN_WORDS = {member.value for enum in (domain.Mode, domain.Scheduling, domain.Activation,
                                          domain.ReleaseAction, domain.HostResult) for member in enum} - {"none"}


def test_domain_words_are_written_only_in_the_domain_module():
    found = []
    for module, path in modules():
        if path == Path(domain.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and node.value in DOMAIN_WORDS:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}")
    assert found == []
