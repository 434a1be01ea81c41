"""The health gate: the service is active, runs the new release with the expected
workers, and answers the app's health path, checked on the host over SSH."""

import time
from dataclasses import dataclass

from fleetctl.domain import RunningProcess
from fleetctl.inventory import AppSpec
from fleetctl.remote import script
from fleetctl.transport import Transport, TransportError


@dataclass(frozen=True)
class HealthResult:
    healthy: bool
    detail: str  # the last check's one-line answer
    attempts: int


def health_check_argv(app: AppSpec, process: RunningProcess, release_id: str) -> list[str]:
    return ["node", "-e", script("health-check.js"), "--", app.unit_name, str(app.port), app.health_path,
            process.mode.value, str(process.workers), release_id, app.runtime_state_file, app.current, app.user]


def wait_healthy(transport: Transport, app: AppSpec, process: RunningProcess, release_id: str,
                 timeout: float, retries: int) -> HealthResult:
    """Check until the app started as `process` serves release_id healthily, at most retries + 1 times
    spread over timeout seconds."""
    argv = health_check_argv(app, process, release_id)
    attempts = retries + 1
    interval = timeout / attempts
    deadline = time.monotonic() + timeout
    detail = "not checked"
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        try:
            # A check may use what is left of the gate: on a slow host (an emulated pi under load)
            # starting node alone can take longer than the interval between checks.
            result = transport.run(argv, timeout=max(10.0, interval, deadline - started))
            detail = (result.stdout.strip().splitlines() or [result.stderr.strip() or f"exit {result.exit_code}"])[-1]
            if result.ok:
                return HealthResult(True, detail, attempt)
        except TransportError as error:
            detail = str(error)
        if time.monotonic() >= deadline:
            return HealthResult(False, detail, attempt)
        time.sleep(max(0.0, min(interval - (time.monotonic() - started), deadline - time.monotonic())))
    return HealthResult(False, detail, attempts)
