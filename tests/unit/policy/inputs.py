"""What decide() and load_table() take, written briefly: facts, a host's policy settings, a table file."""

from dataclasses import dataclass
from pathlib import Path

from fleetctl.inventory import PolicySettings
from fleetctl.inventory.schema import check_variable, fleet_defaults
from fleetctl.inventory.settings import policy_settings


@dataclass(frozen=True)
class Facts:
    """The attributes decide() reads; the real Facts has more."""

    kind: str = "server"
    arch: str = "x86_64"
    cpus_effective: float = 8.0
    cpus_online: int = 8
    memory_effective_mb: int = 16384
    node_version: str | None = "20.11.1"


def policy(host_vars: dict) -> PolicySettings:
    """A host's policy settings as the inventory builds them from its variables (each checked, defaults filled)."""
    checked = {name: check_variable(name, value, ".") for name, value in host_vars.items()}
    return policy_settings("h", {**fleet_defaults(), **checked})


def write_table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.yaml"
    path.write_text(text)
    return path


CUSTOM = """\
rows:
  - name: old-node
    match:
      node_version: "<18"
    result: {mode: single}
    reason: Node before 18 lacks the cluster features the runtime needs
  - name: big-arm
    match:
      arch: [aarch64]
      memory_effective_mb: {gte: 8192}
      cpus_online: {gt: 4}
    result: {mode: cluster, scheduling: none, workers: 2}
    reason: big ARM boards get two workers sharing the socket
  - name: anything
    result: {mode: cluster}
    reason: every other host clusters
"""
