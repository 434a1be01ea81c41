"""Facts about a host: probe.sh prints raw sections, pure parsers read them.

The command (probe.sh) and its parsers are separate so that every parser is
tested on recorded outputs without SSH.
"""

from fleetctl.facts.gather import ProbeResult, gather, probe_host, probe_hosts
from fleetctl.facts.kind import apply_kind_override
from fleetctl.facts.model import KINDS, Facts
from fleetctl.facts.parse import parse_probe
from fleetctl.facts.script import probe_script
from fleetctl.facts.sections import ProbeParseError

__all__ = [
    "KINDS",
    "Facts",
    "ProbeParseError",
    "ProbeResult",
    "apply_kind_override",
    "gather",
    "parse_probe",
    "probe_host",
    "probe_hosts",
    "probe_script",
]
