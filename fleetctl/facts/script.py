"""The probe script shipped as package data."""

from importlib.resources import files


def probe_script() -> str:
    """The text of probe.sh, to be sent on stdin to `sh -s` in one exec."""
    return files("fleetctl.facts").joinpath("probe.sh").read_text(encoding="utf-8")
