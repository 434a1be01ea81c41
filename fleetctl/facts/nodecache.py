"""Node versions already read from each host, so a probe starts node only when it changed.

Starting node is most of a probe's cost (V8 starts to print two version strings).
The probe reports the node binary's identity (device, inode, size and mtime of
node and of a shared libuv); while that matches what is cached here, the probe
skips node and the cached versions are used.
"""

import json
import threading
from pathlib import Path

from fleetctl.facts.model import NodeVersions
from fleetctl.resources import state_dir


def default_cache_path() -> Path:
    return state_dir() / "node-versions.json"


class NodeVersionCache:
    def __init__(self, path: Path | None = None):
        self.path = path or default_cache_path()
        self._lock = threading.Lock()
        self._entries: dict[str, NodeVersions] = {}
        self._changed = False
        try:
            data = json.loads(self.path.read_text())
            self._entries = {host: NodeVersions(**entry) for host, entry in data.items()}
        except (OSError, ValueError, TypeError):
            pass  # no cache yet, or an unreadable one: probes read node afresh

    def get(self, host: str) -> NodeVersions | None:
        with self._lock:
            return self._entries.get(host)

    def put(self, host: str, versions: NodeVersions) -> None:
        with self._lock:
            if self._entries.get(host) != versions:
                self._entries[host] = versions
                self._changed = True

    def save(self) -> None:
        with self._lock:
            if not self._changed:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(
                {host: vars(entry) for host, entry in sorted(self._entries.items())}, indent=2))
            temporary.replace(self.path)
            self._changed = False
