"""Node version ranges in table rows: ">=18", ">=18.17 <22", "20" (any 20.x)."""

import re

_COMPARATOR = re.compile(r"(>=|<=|>|<|==|=)?\s*v?(\d+(?:\.\d+){0,2})")


def parse_version(text: str) -> tuple[int, ...]:
    """'v18.19.0' -> (18, 19, 0); ValueError when it is not a version."""
    match = re.fullmatch(r"v?(\d+(?:\.\d+){0,2})(?:[-+].*)?", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a version like 18.19.0")
    return tuple(int(part) for part in match.group(1).split("."))


def parse_range(spec: str) -> list[tuple[str, tuple[int, ...]]]:
    """'>=18 <22' or '>=18, <22' -> [('>=', (18,)), ('<', (22,))]; ValueError if malformed."""
    joined = re.sub(r"(>=|<=|==|>|<|=)\s+", r"\1", spec.strip())  # ">= 18" is ">=18"
    parts = [part for part in re.split(r"[\s,]+", joined) if part]
    if not parts:
        raise ValueError("empty version range")
    comparators = []
    for part in parts:
        match = _COMPARATOR.fullmatch(part)
        if not match:
            raise ValueError(f"{part!r} is not a comparison like >=18 or <22.1")
        operator = match.group(1) or "=="
        comparators.append(("==" if operator == "=" else operator, parse_version(match.group(2))))
    return comparators


def version_in_range(version: tuple[int, ...], comparators) -> bool:
    for operator, bound in comparators:
        if operator == "==":
            # "20" means any 20.x: compare only the parts the bound gives.
            if version[: len(bound)] != bound:
                return False
            continue
        left, right = _padded(version, bound)
        if not {">=": left >= right, ">": left > right, "<=": left <= right, "<": left < right}[operator]:
            return False
    return True


def _padded(a: tuple[int, ...], b: tuple[int, ...]):
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
