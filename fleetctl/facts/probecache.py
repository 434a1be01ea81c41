"""What earlier probes learned of each host that only a change on the host can alter.

A probe skips its most costly commands while their answers still hold:

- Node and libuv versions and Node's ABI (process.versions.modules). A first
  probe reads them from node's files (fleetctl.facts.nodefiles), or starts
  node. The probe reports the node binary's identity (device, inode, size and
  mtime of node and of a shared libuv); while that matches what is cached
  here, the probe skips both.
- systemd-detect-virt's answers, uname -m and getconf LONG_BIT (under "virt"),
  with the key they hold for (boot id, PID 1's start time).
"""

import json
import threading
from pathlib import Path

from fleetctl.facts.model import KnownVirt, NodeVersions
from fleetctl.resources import state_dir


def default_cache_path() -> Path:
    return state_dir() / "probe-cache.json"


class ProbeCache:
    def __init__(self, path: Path | None = None):
        self.path = path or default_cache_path()
        self._lock = threading.Lock()
        self._entries: dict[str, NodeVersions] = {}
        self._virt: dict[str, KnownVirt] = {}
        self._changed = False
        try:
            data = json.loads(self.path.read_text())
            for host, entry in data.items():
                entry = dict(entry)
                virt = entry.pop("virt", None)
                if virt is not None and KnownVirt(**virt).complete:  # older entries lack uname_m: asked again
                    self._virt[host] = KnownVirt(**virt)
                # An entry from before the ABI was cached is dropped: node is asked again, so that no
                # host goes without a platform because of an old cache.
                if entry and NodeVersions(**entry).complete:
                    self._entries[host] = NodeVersions(**entry)
        except (OSError, ValueError, TypeError, AttributeError):
            # no cache yet, or an unreadable one: probes read node afresh
            self._entries, self._virt = {}, {}

    def get(self, host: str) -> NodeVersions | None:
        with self._lock:
            return self._entries.get(host)

    def put(self, host: str, versions: NodeVersions) -> None:
        with self._lock:
            if self._entries.get(host) != versions:
                self._entries[host] = versions
                self._changed = True

    def get_virt(self, host: str) -> KnownVirt | None:
        with self._lock:
            return self._virt.get(host)

    def put_virt(self, host: str, virt: KnownVirt) -> None:
        with self._lock:
            if self._virt.get(host) != virt:
                self._virt[host] = virt
                self._changed = True

    def save(self) -> None:
        with self._lock:
            if not self._changed:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            data: dict[str, dict[str, object]] = {}
            for host in sorted({*self._entries, *self._virt}):
                data[host] = dict(vars(self._entries[host])) if host in self._entries else {}
                if host in self._virt:
                    data[host]["virt"] = vars(self._virt[host])
            temporary.write_text(json.dumps(data, indent=2))
            temporary.replace(self.path)
            self._changed = False
