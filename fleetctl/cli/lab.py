"""`fleetctl lab up|status|down`: a local fleet of real test hosts."""

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from fleetctl.lab import LabError
from fleetctl.lab.lab import Lab, default_state_dir
from fleetctl.lab.personas import PERSONAS, HostCountError, parse_host_counts

console = Console(stderr=True)

state_dir_option = click.option(
    "--state-dir", type=click.Path(path_type=Path), default=default_state_dir,
    show_default=".fleetctl/lab (or $FLEETCTL_LAB_DIR)",
    help="Where the lab keeps its SSH keys and known_hosts.",
)
inventory_option = click.option(
    "--inventory", "inventory_path", type=click.Path(path_type=Path),
    default=Path("inventories/lab.yaml"), show_default=True, help="The inventory file `up` writes.",
)


def _lab(state_dir: Path, inventory_path: Path) -> Lab:
    return Lab(state_dir, inventory_path, log=lambda message: console.print(f"[dim]lab:[/] {message}"))


LAB_HELP = "A local fleet of real test hosts: systemd and sshd in Docker containers.\n\n\b\nPersonas (one of each by default):\n" + "\n".join(
    f"  {name:<10} {persona.summary}" for name, persona in PERSONAS.items()
)


@click.group(help=LAB_HELP)
def lab() -> None:
    pass


@lab.command()
@click.option("--hosts", "host_counts", metavar="PERSONA=N,...",
              help=f"How many hosts of each persona ({', '.join(PERSONAS)}); default one of each.")
@state_dir_option
@inventory_option
def up(host_counts: str | None, state_dir: Path, inventory_path: Path) -> None:
    """Start the lab hosts (building images when needed) and write the inventory."""
    try:
        hosts = _lab(state_dir, inventory_path).up(parse_host_counts(host_counts))
    except (LabError, HostCountError) as error:
        raise click.ClickException(str(error)) from None
    console.print(f"lab: {len(hosts)} hosts up; inventory: {inventory_path}")


@lab.command()
@state_dir_option
@inventory_option
def status(state_dir: Path, inventory_path: Path) -> None:
    """Show every lab host: container state, systemd state, SSH."""
    try:
        rows = _lab(state_dir, inventory_path).status()
    except LabError as error:
        raise click.ClickException(str(error)) from None
    table = Table("host", "persona", "address", "container", "systemd", "ssh")
    for row in rows:
        table.add_row(row.name, row.persona, row.address, row.container, row.systemd, "yes" if row.ssh else "no")
    Console().print(table)
    if not rows:
        console.print("lab: no hosts (start them with `fleetctl lab up`)")


@lab.command()
@state_dir_option
@inventory_option
def down(state_dir: Path, inventory_path: Path) -> None:
    """Remove every lab host and the lab network (images and keys are kept)."""
    try:
        removed = _lab(state_dir, inventory_path).down()
    except LabError as error:
        raise click.ClickException(str(error)) from None
    console.print(f"lab: removed {removed} hosts")
