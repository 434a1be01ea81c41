"""Split the probe's output into its named raw sections."""

import re

HEADER = re.compile(r"^==> (?P<name>[a-z0-9_]+) <==$")
PROBE_BANNER = "fleetctl-probe 1"


class ProbeParseError(ValueError):
    """The probe's output cannot be read as facts; the message is one line."""


def split_sections(raw: str) -> dict[str, str]:
    """Map each section name to its body (without the trailing newline).

    Text before the first header is ignored: a login shell's rc file may print
    something before the probe starts.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in raw.splitlines():
        header = HEADER.match(line)
        if header:
            current = sections.setdefault(header.group("name"), [])
        elif current is not None:
            current.append(line)
    bodies = {name: "\n".join(lines).strip("\n") for name, lines in sections.items()}
    if bodies.get("probe", "").strip() != PROBE_BANNER:
        raise ProbeParseError("output is not from the fleetctl probe (no probe banner)")
    if "end" not in bodies:
        raise ProbeParseError("probe output is truncated (no end section)")
    return bodies
