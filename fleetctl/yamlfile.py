"""YAML loading that remembers on which line every mapping key was written.

Errors must name file:line, so mappings are built as LocatedMap (a plain dict
plus line numbers) instead of dict. Everything else is what yaml.safe_load gives.
Inventories, roles and decision tables are all read with it.
"""

from pathlib import Path

import yaml

from fleetctl.errors import InputError


class LocatedMap(dict):
    """A dict that knows the line of itself and of each of its keys (1-based)."""

    line: int = 1
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_located_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LocatedMap:
    loader.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
    mapping = LocatedMap()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable mapping key", key_node.start_mark
            ) from None
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_unsafe(loader: _LineLoader, node: yaml.Node):
    # Ansible's !unsafe only stops Jinja templating, which fleetctl never does.
    return loader.construct_scalar(node)


def _refuse_vault(loader: _LineLoader, node: yaml.Node):
    raise yaml.constructor.ConstructorError(
        None, None, "ansible-vault encrypted values (!vault) are not supported; decrypt them first", node.start_mark
    )


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_located_mapping
)
_LineLoader.add_constructor("!unsafe", _construct_unsafe)
_LineLoader.add_constructor("!vault", _refuse_vault)


def load_yaml(path: Path, shown_as: str, error: type[InputError] = InputError):
    """Parse one YAML file; ``shown_as`` is how error messages name it, ``error`` the type they are raised as."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", shown_as) from None
    except UnicodeDecodeError:
        raise error("file is not UTF-8 text", shown_as) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark else None
        column = f" (column {mark.column + 1})" if mark else ""
        raise error(f"invalid YAML: {problem}{column}", shown_as, line) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {str(exc).splitlines()[0]}", shown_as) from None
