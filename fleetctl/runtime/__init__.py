"""The Node.js programs that fleetctl ships to hosts: the cluster runtime and the socket shim.

RUNTIME_FILE is the dependency-free JavaScript file the systemd unit runs as
`node RUNTIME_FILE APP_ENTRY [args...]` (primary) and
`node RUNTIME_FILE --reload` (synchronous rolling reload, for ExecReload=).
SHIM_FILE makes the app's listen(PORT) take the socket systemd passes in: a single
process preloads it (`node --require SHIM_FILE APP_ENTRY`), the runtime requires it
from its own folder.
"""

from pathlib import Path

RUNTIME_FILE: Path = Path(__file__).resolve().parent / "node-cluster-runtime.js"
SHIM_FILE: Path = RUNTIME_FILE.parent / "socket-shim.js"

# Where the unit expects the runtime on a host (a deploy copies RUNTIME_FILE there).
INSTALLED_RUNTIME_DIR = "/opt/fleet/runtime"
INSTALLED_RUNTIME_PATH = f"{INSTALLED_RUNTIME_DIR}/node-cluster-runtime.js"
INSTALLED_SHIM_PATH = f"{INSTALLED_RUNTIME_DIR}/{SHIM_FILE.name}"  # beside the runtime, which requires it

STATE_FILE_NAME = "state.json"
CONTROL_SOCKET_NAME = "control.sock"

__all__ = ["RUNTIME_FILE", "SHIM_FILE", "INSTALLED_RUNTIME_DIR", "INSTALLED_RUNTIME_PATH", "INSTALLED_SHIM_PATH",
           "STATE_FILE_NAME", "CONTROL_SOCKET_NAME"]
