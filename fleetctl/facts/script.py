"""The probe script, fleetctl/remote/probe.sh."""

from fleetctl.remote import script


def probe_script() -> str:
    """The text of probe.sh, to be sent on stdin to `sh -s` in one exec."""
    return script("probe.sh")
