"""Inventory variables holding ``{{ ... }}``, rendered with jinja2 as ansible-core 2.19 renders them.

- A template that is one expression keeps the expression's type
  (``"{{ base_port + 1 }}"`` is an integer, ``"{{ users }}"`` a list); any other
  is text, None parts left out; a template that outputs nothing is None.
- Names resolve lazily in the host's variables (rendered in turn, a loop is an
  error) and Ansible's magic variables; a variable whose template is undefined
  is itself undefined, so ``default`` applies to it.
- Ansible's filters and lookups usual in inventories are here (``bool``,
  ``ternary``, ``regex_replace``, ``combine``, ``lookup('env', ...)``...); an
  unknown one is an error that says so.
- ``!unsafe`` strings and lists or mappings without templates are used as written.

jinja2 is imported when the first template is compiled (an inventory without
templates never loads it).
"""

import base64
import json
import os
import re
import shlex
from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from fleetctl.yamlfile import EncryptedValue, UnsafeText

_TEMPLATE_MARKERS = ("{{", "{%", "{#")


def needs_rendering(value) -> bool:
    """Whether a value holds a template or an encrypted value, at any depth."""
    if isinstance(value, str):
        return not isinstance(value, UnsafeText) and any(marker in value for marker in _TEMPLATE_MARKERS)
    if isinstance(value, EncryptedValue):
        return True
    if isinstance(value, dict):
        return any(needs_rendering(item) for item in value.values())
    if isinstance(value, list):
        return any(needs_rendering(item) for item in value)
    return False


class TemplateFailure(Exception):
    """A template that cannot render; ``undefined`` when it is because a name is undefined."""

    def __init__(self, message: str, undefined: bool = False):
        super().__init__(message)
        self.undefined = undefined


class Templates:
    """One jinja2 environment and its compiled templates, shared by every host of an inventory."""

    def __init__(self):
        self._environment = None
        self._compiled: dict[str, Any] = {}

    @property
    def environment(self):
        if self._environment is None:
            self._environment = _environment()
        return self._environment

    def undefined(self, name: str, hint: str):
        """A value that is undefined, for a name whose own template is: using it raises with ``hint``."""
        return self.environment.undefined(hint=hint, name=name)

    def render(self, value, scope: Mapping, decrypt) -> Any:
        """``value`` with every template in it rendered over ``scope``; decrypt(EncryptedValue) -> text."""
        if isinstance(value, EncryptedValue):
            return decrypt(value)
        if isinstance(value, str):
            return self._render_text(value, scope) if needs_rendering(value) else value
        if isinstance(value, dict):
            return {key: self.render(item, scope, decrypt) for key, item in value.items()}
        if isinstance(value, list):
            return [self.render(item, scope, decrypt) for item in value]
        return value

    def _render_text(self, source: str, scope: Mapping):
        import jinja2

        try:
            template = self._compiled.get(source)
            if template is None:
                template = self._compiled[source] = self.environment.from_string(source)
            context = template.new_context(ChainMap(scope, template.globals), shared=True)
            parts = [part for part in template.root_render_func(context) if part is not None]
            if not parts:
                return None
            if len(parts) == 1:
                result = parts[0]
                if isinstance(result, jinja2.Undefined):
                    result._fail_with_undefined_error()
                return result
            return "".join(_text(part) for part in parts)
        except jinja2.UndefinedError as error:
            raise TemplateFailure(str(error), undefined=True) from None
        except jinja2.TemplateSyntaxError as error:
            raise TemplateFailure(f"template syntax error: {error.message}") from None
        except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as error:
            raise TemplateFailure(f"template error: {error}") from None


def _text(part) -> str:
    if isinstance(part, bool) or not isinstance(part, str):
        return str(part)
    return part


def _environment():
    import jinja2.nativetypes
    from jinja2 import nodes

    class CodeGenerator(jinja2.nativetypes.NativeCodeGenerator):
        def _output_child_to_const(self, node, frame, finalize):
            # jinja2 folds constant expressions into text ("{{ 5 }}" -> "5"); Ansible keeps their type.
            if not isinstance(node, nodes.TemplateData):
                raise nodes.Impossible()
            return super()._output_child_to_const(node, frame, finalize)

    class Environment(jinja2.nativetypes.NativeEnvironment):
        code_generator_class = CodeGenerator

    environment = Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, autoescape=False)
    environment.filters.update(FILTERS)
    environment.tests.update(TESTS)
    environment.globals.update(lookup=_lookup, query=_query, q=_query)
    return environment


# --- Ansible's filters, tests and lookups usual in inventories -----------------

_TRUE_WORDS = ("yes", "on", "1", "true", "y", "t")


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    return value == 1


def _ternary(value, true_value, false_value, none_value=None):
    if value is None and none_value is not None:
        return none_value
    return true_value if value else false_value


def _flags(ignorecase: bool, multiline: bool) -> int:
    return (re.IGNORECASE if ignorecase else 0) | (re.MULTILINE if multiline else 0)


def _regex_replace(value, pattern, replacement="", ignorecase=False, multiline=False, count=0):
    return re.sub(pattern, replacement, str(value), count=count, flags=_flags(ignorecase, multiline))


def _regex_search(value, pattern, *groups, ignorecase=False, multiline=False):
    match = re.search(pattern, str(value), flags=_flags(ignorecase, multiline))
    if match is None:
        return None
    if not groups:
        return match.group(0)
    return [match.group(int(group[1:]) if group.startswith("\\") else group) for group in groups]


def _combine(*mappings, recursive=False, list_merge="replace"):
    result: dict = {}
    for mapping in mappings:
        for item in mapping if isinstance(mapping, list) else [mapping]:
            result = _merge(result, item, recursive) if recursive else {**result, **item}
    return result


def _merge(base: dict, extra: dict, recursive: bool) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if recursive and isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = _merge(merged[key], value, recursive)
        else:
            merged[key] = value
    return merged


def _mandatory(value, message=None):
    import jinja2

    if isinstance(value, jinja2.Undefined):
        raise jinja2.UndefinedError(message or f"mandatory variable {value._undefined_name!r} is not defined")
    return value


def _split(value, separator=None, maxsplit=-1):
    return str(value).split(separator, maxsplit)


FILTERS = {
    "bool": _bool,
    "ternary": _ternary,
    "regex_replace": _regex_replace,
    "regex_search": _regex_search,
    "combine": _combine,
    "mandatory": _mandatory,
    "split": _split,
    "quote": lambda value: shlex.quote(str(value)),
    "basename": lambda value: os.path.basename(str(value)),
    "dirname": lambda value: os.path.dirname(str(value)),
    "expanduser": lambda value: os.path.expanduser(str(value)),
    "realpath": lambda value: os.path.realpath(str(value)),
    "to_json": lambda value, **options: json.dumps(value, **options),
    "to_nice_json": lambda value, indent=4, **options: json.dumps(value, indent=indent, sort_keys=True, **options),
    "from_json": lambda value: json.loads(value),
    "b64encode": lambda value: base64.b64encode(str(value).encode()).decode(),
    "b64decode": lambda value: base64.b64decode(str(value)).decode(),
    "dict2items": lambda value: [{"key": key, "value": item} for key, item in value.items()],
    "items2dict": lambda value, key_name="key", value_name="value": {
        item[key_name]: item[value_name] for item in value},
}

TESTS = {
    "match": lambda value, pattern, ignorecase=False, multiline=False: re.match(
        pattern, str(value), _flags(ignorecase, multiline)) is not None,
    "search": lambda value, pattern, ignorecase=False, multiline=False: re.search(
        pattern, str(value), _flags(ignorecase, multiline)) is not None,
    "regex": lambda value, pattern, ignorecase=False, multiline=False, match_type="search": (
        re.search if match_type == "search" else re.match)(pattern, str(value), _flags(ignorecase, multiline))
    is not None,
}


def _lookup(name, *terms, **options):
    values = _query(name, *terms, **options)
    return ",".join(str(value) for value in values) if len(values) != 1 else values[0]


def _query(name, *terms, **options):
    if name not in ("env", "ansible.builtin.env"):
        raise ValueError(f"lookup {name!r} is not available in inventory variables (fleetctl has lookup('env', ...))")
    default = options.get("default", "")
    return [os.environ.get(term, default) for term in terms]
