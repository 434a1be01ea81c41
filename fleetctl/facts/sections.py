"""Split a script's output into its named raw sections (the probe's, and the deploy's host state)."""

import re

HEADER = re.compile(r"^==> (?P<name>[a-z0-9_]+) <==$")
PROBE_BANNER = "fleetctl-probe 1"


class ProbeParseError(ValueError):
    """The probe's output cannot be read as facts; the message is one line."""


def split_sections(raw: str, banner_section: str = "probe", banner: str = PROBE_BANNER) -> dict[str, str]:
    """Map each section name to its body (without the trailing newline).

    Text before the first header is ignored: a login shell's rc file may print
    something before the script starts. The banner section proves the output
    is the script's; the end section proves it is whole.
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
    if bodies.get(banner_section, "").strip() != banner:
        raise ProbeParseError(f"output is not from the fleetctl {banner_section} script (no banner)")
    if "end" not in bodies:
        raise ProbeParseError(f"{banner_section} output is truncated (no end section)")
    return bodies
