"""The fleetctl command line: parse arguments, call the engine, print, set the exit code."""

import logging

import click

from fleetctl import __version__
from fleetctl.cli.deploy import deploy_command, rollback_command, status_command
from fleetctl.cli.lab import lab
from fleetctl.cli.plan import facts_command, plan_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fleetctl")
def main() -> None:
    """Deploy Node.js services to fleets of servers, VMs, containers and Raspberry Pis."""
    # paramiko logs connection failures through the root logger's last-resort
    # handler; fleetctl reports them itself, as one line per host.
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)


main.add_command(plan_command)
main.add_command(deploy_command)
main.add_command(rollback_command)
main.add_command(status_command)
main.add_command(facts_command)
main.add_command(lab)
