"""The bake: after its batch, a deployed host is watched for a while; it must keep passing its health
check, and its restart counts (systemd's, and the cluster runtime's per worker) must stay flat.

A release that passes its health gate and then crashes (a minute in, on its first real
request, when a cache fills) fails here, before the rollout reaches the next batch.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from fleetctl.deploy.health import health_check_argv
from fleetctl.domain import RunningProcess
from fleetctl.facts.sections import ProbeParseError, split_sections
from fleetctl.inventory import AppSpec
from fleetctl.remote import script
from fleetctl.transport import Transport, TransportError

CHECK_EVERY_S = 3.0
CHECK_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class BakeResult:
    healthy: bool
    detail: str  # what failed, or how many checks passed


def runtime_restarts(workers: list[dict]) -> int:
    """The restarts the cluster runtime counted, once per slot: each worker carries its slot's count, and
    mid-reload a slot lists two workers, the old one draining and the new one. A worker without a slot
    number counts alone."""
    per_slot = {}
    for index, worker in enumerate(workers):
        slot = ("slot", worker["slot"]) if "slot" in worker else ("worker", index)
        per_slot[slot] = worker.get("restarts", 0)
    return sum(per_slot.values())


def parse_restarts(raw: str) -> int:
    """The service's restarts so far from status.sh's output: systemd's NRestarts, plus the cluster
    runtime's worker restarts when it runs. ProbeParseError when the output is not status.sh's."""
    sections = split_sections(raw, banner_section="status", banner="fleetctl-status 1")
    show = dict(line.split("=", 1) for line in sections.get("show", "").splitlines() if "=" in line)
    restarts = int(show["NRestarts"]) if show.get("NRestarts", "").isdigit() else 0
    if sections.get("runtime"):
        try:
            restarts += runtime_restarts(json.loads(sections["runtime"]).get("workers", []))
        except (ValueError, AttributeError, KeyError):
            pass
    return restarts


def read_restarts(transport: Transport, app: AppSpec) -> int:
    arguments = [app.root, app.unit_name, app.process_file, app.runtime_state_file]
    return parse_restarts(transport.run(arguments, script=script("status.sh"), timeout=CHECK_TIMEOUT_S).stdout)


def bake(transport: Transport, app: AppSpec, process: RunningProcess, release_id: str, seconds: float,
         report: Callable[[str], None], every: float = CHECK_EVERY_S) -> BakeResult:
    """Watch the host for `seconds`: a health check and its restart counts every `every` seconds; the first
    failed check or new restart ends the bake as failed."""
    argv = health_check_argv(app, process, release_id)
    deadline = time.monotonic() + seconds
    try:
        baseline = read_restarts(transport, app)
        checks = 0
        while True:
            result = transport.run(argv, timeout=CHECK_TIMEOUT_S)
            checks += 1
            if not result.ok:
                answer = (result.stdout.strip().splitlines() or [result.stderr.strip() or f"exit {result.exit_code}"])
                return BakeResult(False, f"bake failed after {checks} checks: {answer[-1]}")
            restarts = read_restarts(transport, app)
            if restarts > baseline:
                return BakeResult(False, f"bake failed: the service restarted {restarts - baseline} time(s) "
                                         f"within {seconds - (deadline - time.monotonic()):.0f} s")
            left = deadline - time.monotonic()
            if left <= 0:
                return BakeResult(True, f"baked {seconds:g} s: {checks} checks passed, no restart")
            report(f"bake: {checks} checks passed, {left:.0f} s to go")
            time.sleep(min(every, left))
    except (TransportError, ProbeParseError) as error:
        return BakeResult(False, f"bake failed: {error}")
