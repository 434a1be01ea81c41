"""The lab: a local fleet of real test hosts (systemd + sshd in Docker containers)."""


class LabError(Exception):
    """A lab failure the user must act on; str() is one line saying what to run."""
