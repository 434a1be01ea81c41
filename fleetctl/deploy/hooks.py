"""Running hooks (fleetctl.domain.Hook): on the host, on a delegate host, or on the control machine."""

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence

from fleetctl.domain import Hook
from fleetctl.transport import Transport

CONTROL_MACHINE = ("localhost", "127.0.0.1", "::1")
HOOK_TIMEOUT_S = 300


class HookFailed(Exception):
    pass


def _argv(hook: Hook, environment: Mapping[str, str]) -> list[str]:
    command = ["sh", "-c", hook.command] if isinstance(hook.command, str) else list(hook.command)
    return ["env", *(f"{name}={value}" for name, value in environment.items()), *command]


def run_hooks(hooks: Sequence[Hook], host: str, environment: Mapping[str, str], host_transport: Transport,
              connect: Callable[[str], Transport], report: Callable[[str], None]) -> None:
    """Run a point's hooks in order; the first failure raises HookFailed."""
    for hook in hooks:
        report(f"hook {hook.display(host)}")
        run_hook(hook, host, environment, host_transport, connect)


def run_hook(hook: Hook, host: str, environment: Mapping[str, str], host_transport: Transport,
             connect: Callable[[str], Transport]) -> None:
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
