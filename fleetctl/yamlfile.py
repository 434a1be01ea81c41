"""YAML loading that remembers on which line every mapping key was written.

Errors must name file:line, so mappings are built as LocatedMap (a plain dict
plus line numbers) instead of dict. Everything else is what yaml.safe_load gives,
parsed by libyaml when PyYAML has it (an inventory of thousands of hosts).
Inventories, roles and decision tables are all read with it. Ansible's tags:
``!unsafe`` gives an UnsafeText (a string never templated); ``!vault`` gives an
EncryptedValue where the caller accepts them (inventories), else an error.
"""

from pathlib import Path

import yaml

from fleetctl.errors import InputError

try:
    from yaml.cyaml import CParser as _FastParser
except ImportError:  # PyYAML built without libyaml
    _FastParser = None


class LocatedMap(dict):
    """A dict that knows the line of itself and of each of its keys (1-based).

    The mapping at the top of a file also lists the keys written twice in any
    mapping of the file (duplicate_keys: (key, line) of each later one): YAML
    keeps the last, Ansible warns.
    """

    line: int | None = 1
    key_lines: dict = {}
    duplicate_keys: tuple = ()

    def line_of(self, key) -> int | None:
        return self.key_lines.get(key, self.line)


class UnsafeText(str):
    """A string Ansible marks ``!unsafe``: used as written, never templated."""


class EncryptedValue:
    """An ansible-vault encrypted value (``!vault``): its ciphertext, decrypted only where it is used."""

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext: str):
        self.ciphertext = ciphertext

    def __eq__(self, other) -> bool:
        return isinstance(other, EncryptedValue) and other.ciphertext == self.ciphertext

    def __hash__(self) -> int:
        return hash(self.ciphertext)

    def __repr__(self) -> str:
        return "<vault-encrypted value>"


class _Constructor(yaml.constructor.SafeConstructor):
    def construct_located_mapping(self, node: yaml.MappingNode) -> LocatedMap:
        self.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
        mapping = LocatedMap()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "found an unhashable mapping key", key_node.start_mark
                ) from None
            if key in mapping:
                self.duplicates.append((key, key_node.start_mark.line + 1))
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_unsafe(self, node: yaml.Node):
        return UnsafeText(self.construct_scalar(node))

    def refuse_vault(self, node: yaml.Node):
        raise yaml.constructor.ConstructorError(
            None, None, "ansible-vault encrypted values (!vault) are not supported here; decrypt them first",
            node.start_mark,
        )

    def construct_vault(self, node: yaml.Node):
        return EncryptedValue(self.construct_scalar(node))


class _VaultConstructor(_Constructor):
    pass


for _constructor, _vault in ((_Constructor, _Constructor.refuse_vault), (_VaultConstructor, _Constructor.construct_vault)):
    _constructor.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Constructor.construct_located_mapping)
    _constructor.add_constructor("!unsafe", _Constructor.construct_unsafe)
    _constructor.add_constructor("!vault", _vault)
    _constructor.add_constructor("!vault-encrypted", _vault)


def _loader(parser, constructor):
    class Loader(parser, constructor, yaml.resolver.Resolver):
        def __init__(self, stream):
            parser.__init__(self, stream)
            constructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.duplicates = []

    return Loader


class _PureParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)


# The pure-Python parser words its errors better: a file that fails is parsed again with it for the message.
_LOADERS = {
    (fast, vault): _loader(_FastParser if fast and _FastParser else _PureParser,
                           _VaultConstructor if vault else _Constructor)
    for fast in (True, False) for vault in (True, False)
}


def load_yaml(path: Path, shown_as: str, error: type[InputError] = InputError):
    """Parse one YAML file; ``shown_as`` is how error messages name it, ``error`` the type they are raised as."""
    return parse_yaml(read_text(path, shown_as, error), shown_as, error)


def read_text(path: Path, shown_as: str, error: type[InputError] = InputError) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", shown_as) from None
    except UnicodeDecodeError:
        raise error("file is not UTF-8 text", shown_as) from None


def parse_yaml(text: str, shown_as: str, error: type[InputError] = InputError, encrypted_values: bool = False):
    """Parse YAML text; encrypted_values: ``!vault`` gives an EncryptedValue instead of an error."""
    try:
        return _load(text, _LOADERS[True, encrypted_values])
    except yaml.YAMLError:
        pass
    try:
        return _load(text, _LOADERS[False, encrypted_values])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark else None
        column = f" (column {mark.column + 1})" if mark else ""
        raise error(f"invalid YAML: {problem}{column}", shown_as, line) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {str(exc).splitlines()[0]}", shown_as) from None


def _load(text: str, loader_class):
    loader = loader_class(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    if isinstance(data, LocatedMap) and loader.duplicates:
        data.duplicate_keys = tuple(loader.duplicates)
    return data
