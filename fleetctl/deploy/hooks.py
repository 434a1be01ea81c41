"""Running hooks (fleetctl.domain.Hook): on the host, on a delegate host, or on the control machine;
and a host's hooks through its rollout, cleanups included (HostHooks)."""

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence

from fleetctl.domain import HOOK_POINTS, Hook
from fleetctl.transport import Connect, Transport

CONTROL_MACHINE = ("localhost", "127.0.0.1", "::1")
HOOK_TIMEOUT_S = 300


class HookFailed(Exception):
    pass


def _argv(hook: Hook, environment: Mapping[str, str]) -> list[str]:
    command = ["sh", "-c", hook.command] if isinstance(hook.command, str) else list(hook.command)
    return ["env", *(f"{name}={value}" for name, value in environment.items()), *command]


def run_hook(hook: Hook, host: str, environment: Mapping[str, str], host_transport: Transport,
             connect: Connect) -> None:
    """Run one hook where it belongs; raise HookFailed with its last line of output."""
    argv = _argv(hook, environment)
    target = hook.where(host)
    if target in CONTROL_MACHINE:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=HOOK_TIMEOUT_S,
                              env={**os.environ, **environment})
        code, output = done.returncode, (done.stderr or done.stdout)
    elif target == host:
        result = host_transport.run(argv, timeout=HOOK_TIMEOUT_S)
        code, output = result.exit_code, (result.stderr or result.stdout)
    else:
        with connect(target) as delegate:
            result = delegate.run(argv, timeout=HOOK_TIMEOUT_S)
        code, output = result.exit_code, (result.stderr or result.stdout)
    if code != 0:
        last = (output.strip().splitlines() or [f"exit code {code}"])[-1]
        raise HookFailed(f"hook {hook.display(host)} failed: {last}")


class HostHooks:
    """The hooks of one host's rollout: each point's in order, and afterwards the cleanups that are due.

    A cleanup (a hook with undoes) is due once the rollout reached the point it undoes, and runs
    once: at its own point when all goes well, else from cleanups() after a failure.
    """

    def __init__(self, hooks_at: Callable[[str], Sequence[Hook]], host: str, environment: Mapping[str, str],
                 host_transport: Transport, connect: Connect, report: Callable[[str], None]):
        self.hooks_at, self.host, self.environment = hooks_at, host, environment
        self.host_transport, self.connect, self.report = host_transport, connect, report
        self.reached: list[str] = []  # points whose hooks started
        self._ran: set[int] = set()  # hooks started (by identity: two equal commands are two hooks)

    def run(self, point: str) -> None:
        """Run a point's hooks in order; the first failure raises HookFailed."""
        self.reached.append(point)
        for hook in self.hooks_at(point):
            self._ran.add(id(hook))
            self.report(f"hook {hook.display(self.host)}")
            run_hook(hook, self.host, self.environment, self.host_transport, self.connect)

    def cleanups(self) -> list[str]:
        """Run every cleanup that is due and has not run, in point order, each whatever the others do;
        the failures' messages."""
        failures = []
        for point in HOOK_POINTS:
            for hook in self.hooks_at(point):
                if hook.undoes in self.reached and id(hook) not in self._ran:
                    self._ran.add(id(hook))
                    self.report(f"cleanup hook {hook.display(self.host)}")
                    try:
                        run_hook(hook, self.host, self.environment, self.host_transport, self.connect)
                    except HookFailed as error:
                        failures.append(str(error))
        return failures
