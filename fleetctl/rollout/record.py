"""The rollout record, kept on the control machine so `--resume` continues where a rollout stopped."""

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fleetctl.domain import HostResult
from fleetctl.resources import state_dir

RECORDS_DIR = state_dir() / "rollouts"


@dataclass
class RolloutRecord:
    inventory: str
    command: str  # deploy | rollback
    release: str | None  # the release deployed (None for a rollback)
    started: float = field(default_factory=time.time)
    hosts: dict[str, str] = field(default_factory=dict)  # host -> its HostResult so far
    finished: bool = False

    def done_hosts(self) -> set[str]:
        return {host for host, result in self.hosts.items() if HostResult(result).ok}


def record_path(inventory: Path, records_dir: Path = RECORDS_DIR) -> Path:
    absolute = str(inventory.resolve())
    return records_dir / f"{inventory.stem}-{hashlib.sha256(absolute.encode()).hexdigest()[:8]}.json"


def load(inventory: Path, records_dir: Path = RECORDS_DIR) -> RolloutRecord | None:
    path = record_path(inventory, records_dir)
    if not path.exists():
        return None
    return RolloutRecord(**json.loads(path.read_text()))


def save(record: RolloutRecord, records_dir: Path = RECORDS_DIR) -> None:
    path = record_path(Path(record.inventory), records_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(record), indent=2, sort_keys=True))
    temporary.replace(path)
