"""What the commands share: loading an inventory with --limit, exit codes, consoles."""

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fleetctl.errors import InputError
from fleetctl.inventory import Host, Inventory, InventoryError, load_inventory
from fleetctl.inventory.limit import select_hosts as limit_hosts

if TYPE_CHECKING:
    from rich.console import Console

# Exit codes: 1 when a host failed, 2 when the input is bad and no host was contacted;
# plan --detailed-exitcode: 2 when a deploy would change something (and 1 for any error).
EXIT_HOST_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_CHANGES_PENDING = 2


# The consoles are made on first use: `fleetctl plan --json` into a pipe never
# imports rich (tens of milliseconds of a command that takes a few hundred).
@functools.cache
def out() -> "Console":
    """The console for results on stdout. Piped output is not cut at 80 columns: tables stay whole for logs and CI."""
    from rich.console import Console

    return Console(emoji=False) if sys.stdout.isatty() else Console(width=160, emoji=False)


@functools.cache
def err() -> "Console":
    """The console for progress and errors on stderr."""
    from rich.console import Console

    return Console(stderr=True, emoji=False)


def _remember(context: click.Context, parameter: click.Parameter, value):
    context.meta[f"fleetctl.{parameter.name}"] = value
    return value


def inventory_argument(command):
    """The INVENTORY argument (a file or a folder of them) and the options for reading it."""
    command = click.option(
        "--playbook-dir", type=click.Path(path_type=Path, file_okay=False), expose_value=False, callback=_remember,
        help="Also read group_vars/ and host_vars/ in this folder, above the inventory's (as beside a playbook).",
    )(command)
    command = click.option(
        "--vault-password-file", metavar="FILE", expose_value=False, callback=_remember,
        help="Password file (or executable printing it) for ansible-vault encrypted variables and files;"
             " default: $ANSIBLE_VAULT_PASSWORD_FILE. Needs ansible-core: pip install 'fleetctl[ansible]'.",
    )(command)
    return click.argument("inventory", type=click.Path(path_type=Path))(command)


limit_option = click.option(
    "--limit", "-l", metavar="PATTERN",
    help="Hosts or groups to act on, as Ansible's --limit: names, globs or ~regex, joined by ',' or ':'; "
         "'&' intersects, '!' excludes, group[0] or group[1:3] picks by position, @file reads a pattern a line.",
)
forks_option = click.option("--forks", "-f", type=click.IntRange(min=1), default=10, show_default=True,
                            help="Hosts contacted in parallel.")
tofu_option = click.option("--trust-on-first-use", is_flag=True,
                           help="Accept and record unknown host keys (a changed key is always refused).")


def bad_input(message: str) -> "click.exceptions.Exit":
    err().print(f"Error: {message}", markup=False, highlight=False, soft_wrap=True)
    return click.exceptions.Exit(EXIT_BAD_INPUT)


def select_hosts(inventory: Path, limit: str | None) -> list[Host]:
    """Load and select, or exit 2 with the one-line error."""
    return load_selection(inventory, limit)[1]


def load_selection(inventory: Path, limit: str | None) -> tuple[Inventory, list[Host]]:
    """The inventory and the hosts --limit selects, or exit 2 with the one-line error."""
    try:
        loaded = read_inventory(inventory)
        return loaded, limited(loaded, limit)
    except InputError as error:
        raise bad_input(str(error)) from None


def read_inventory(inventory: Path) -> Inventory:
    """Load the inventory as the command line's options say, printing its warnings; InventoryError when it is bad."""
    meta = click.get_current_context().meta
    loaded = load_inventory(inventory, vault_password_file=meta.get("fleetctl.vault_password_file"),
                            playbook_dir=meta.get("fleetctl.playbook_dir"))
    for message in loaded.warnings:
        warning(message)
    return loaded


def limited(inventory: Inventory, limit: str | None) -> list[Host]:
    """The hosts --limit selects, after a warning on stderr for each pattern that matched nothing (as Ansible)."""
    return limit_hosts(inventory, limit, warn=warning)


def warning(message: str) -> None:
    err().print(f"Warning: {message}", markup=False, highlight=False, soft_wrap=True)


def is_interactive() -> bool:
    return sys.stderr.isatty()


def command_connections(inventory: Inventory, trust_on_first_use: bool):
    """The command's pool: one connection per host for its whole length, which the probe, the rollout, hooks
    and builds share (fleetctl.transport.pool); closed when the command ends, also on an error or Ctrl-C."""
    from fleetctl.transport import ConnectionPool

    connections = ConnectionPool(connector(inventory, trust_on_first_use))
    click.get_current_context().call_on_close(connections.close)
    return connections


def connector(inventory: Inventory, trust_on_first_use: bool):
    """name -> an open transport to that host of the inventory (a hook's delegate, a build host)."""
    from fleetctl.transport import connect  # imported when a command connects, not for --help

    def connect_to(name: str):
        try:
            host = inventory.host(name)
        except KeyError:
            raise InventoryError(f"{name!r} is not a host of {inventory.path}") from None
        return connect(host.connection, trust_on_first_use=trust_on_first_use)

    return connect_to
