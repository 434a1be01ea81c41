"""The rollout's own hooks (fleet_rollout_hooks), on the control machine: before_rollout once every host is
locked and before any is changed, on_rollout_failure and after_rollout at the end; each gets the rollout's
result as JSON on its standard input (what `deploy --json` prints, with the outcome)."""

import json
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence

from fleetctl.domain import Hook
from fleetctl.inventory import Host, InventoryError

HOOK_TIMEOUT_S = 300


def rollout_hooks(hosts: Sequence[Host]) -> tuple[Hook, ...]:
    """The hooks of a rollout of these hosts; InventoryError, before any host is contacted, when two hosts
    disagree: they belong to the rollout, not to a host."""
    first: Host | None = None
    for host in hosts:
        if first is None:
            first = host
        elif host.rollout.rollout_hooks != first.rollout.rollout_hooks:
            raise InventoryError(f"hosts {first.name} and {host.name}: fleet_rollout_hooks differ; a rollout has"
                                 " one set of them (set it for all hosts)")
    return first.rollout.rollout_hooks if first else ()


def run_rollout_hooks(hooks: Sequence[Hook], point: str, document: Mapping, report: Callable[[str], None],
                      stop_at_failure: bool = False) -> list[str]:
    """Run the hooks of `point` in order, the document as JSON on their standard input; the failures' one-line
    messages (the first only, with stop_at_failure)."""
    text = json.dumps({"point": point, **document}, indent=2) + "\n"
    environment = {**os.environ, "FLEET_ROLLOUT_POINT": point, "FLEET_ROLLOUT_OUTCOME": str(document["outcome"])}
    failures = []
    for hook in hooks:
        if hook.point != point:
            continue
        shown = f"rollout hook {point}: {hook.shown_command()}"
        report(shown)
        argv = ["sh", "-c", hook.command] if isinstance(hook.command, str) else list(hook.command)
        try:
            done = subprocess.run(argv, input=text, capture_output=True, text=True, timeout=HOOK_TIMEOUT_S,
                                  env=environment)
            code, output = done.returncode, done.stderr or done.stdout
        except subprocess.TimeoutExpired:
            code, output = -1, f"timed out after {HOOK_TIMEOUT_S} s"
        except OSError as error:
            code, output = -1, str(error)
        if code != 0:
            failures.append(f"{shown} failed: {(output.strip().splitlines() or [f'exit code {code}'])[-1]}")
            if stop_at_failure:
                break
    return failures
