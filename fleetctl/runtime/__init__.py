"""The Node.js cluster runtime that fleetctl ships to clustered hosts.

RUNTIME_FILE is the dependency-free JavaScript file the systemd unit runs as
`node RUNTIME_FILE APP_ENTRY [args...]` (primary) and
`node RUNTIME_FILE --reload` (synchronous rolling reload, for ExecReload=).
"""

from pathlib import Path

RUNTIME_FILE: Path = Path(__file__).resolve().parent / "node-cluster-runtime.js"

# Where the unit expects the runtime on a host (a deploy copies RUNTIME_FILE there).
INSTALLED_RUNTIME_DIR = "/opt/fleet/runtime"
INSTALLED_RUNTIME_PATH = f"{INSTALLED_RUNTIME_DIR}/node-cluster-runtime.js"

STATE_FILE_NAME = "state.json"
CONTROL_SOCKET_NAME = "control.sock"

__all__ = ["RUNTIME_FILE", "INSTALLED_RUNTIME_DIR", "INSTALLED_RUNTIME_PATH", "STATE_FILE_NAME", "CONTROL_SOCKET_NAME"]
