"""The fleetctl command line: parse arguments, call the engine, print, set the exit code."""

import atexit
import gc
import importlib
import logging

import click

from fleetctl import __version__

# Each subcommand's module is imported only when that command runs (or --help
# lists them all): `fleetctl plan` need not import the rollout, status and lab
# code, nor `fleetctl --version` any of it.
COMMANDS = {
    "plan": "fleetctl.cli.plan:plan_command",
    "deploy": "fleetctl.cli.deploy:deploy_command",
    "rollback": "fleetctl.cli.deploy:rollback_command",
    "status": "fleetctl.cli.deploy:status_command",
    "logs": "fleetctl.cli.logs:logs_command",
    "exec": "fleetctl.cli.exec:exec_command",
    "unlock": "fleetctl.cli.deploy:unlock_command",
    "facts": "fleetctl.cli.plan:facts_command",
    "lab": "fleetctl.cli.lab:lab",
    "cache": "fleetctl.cli.cache:cache_group",
}


# The garbage collector's young generation: 10,000 objects instead of 700. Imports and a command's connections
# make objects that live until the command ends, which each collection walked again in vain: in a plan of 200
# connections the collector ran 214 times for 110-125 ms of CPU; 29 times for 65-85 ms with this and gc.freeze().
GC_THRESHOLDS = (10_000, 10, 10)
gc.set_threshold(*GC_THRESHOLDS)

# The interpreter's last garbage collection walks every object left, paramiko's
# transports and threads included: about 50 ms after a 50-host plan, spent
# after the output is complete. Nothing fleetctl needs waits in a finalizer.
atexit.register(gc.freeze)


class LazyGroup(click.Group):
    """A click group whose subcommands are imported by name on first use."""

    def __init__(self, *args: object, lazy_commands: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.lazy_commands:
            module, _, attribute = self.lazy_commands[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fleetctl")
def main() -> None:
    """Deploy Node.js services to fleets of servers, VMs, containers and Raspberry Pis."""
    # paramiko logs connection failures through the root logger's last-resort
    # handler; fleetctl reports them itself, as one line per host.
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    # The command's modules are imported by now (click resolves the subcommand first): the garbage collector
    # need not walk their objects again (GC_THRESHOLDS, above).
    gc.freeze()
