"""`fleetctl lab up|status|down`: a local fleet of real test hosts."""

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from fleetctl.lab import LabError
from fleetctl.lab.lab import DEFAULT_NAME, DEFAULT_SUBNET, Lab, default_state_dir
from fleetctl.lab.personas import DEFAULT_PERSONAS, PERSONAS, HostCountError, parse_host_counts

console = Console(stderr=True, emoji=False)

LAB_HELP = (
    "A local fleet of real test hosts: systemd and sshd in Docker containers.\n\n\b\n"
    "Personas (one of each by default, but the builders, started only when --hosts names them):\n"
    + "\n".join(f"  {name:<10} {persona.summary}" for name, persona in PERSONAS.items())
)


@click.group(help=LAB_HELP)
@click.option("--name", default=DEFAULT_NAME, show_default=True, envvar="FLEETCTL_LAB_NAME",
              help="Lab name: its Docker network and the prefix of its hosts. Labs with different names coexist."
                   "  [env: FLEETCTL_LAB_NAME]")
@click.option("--subnet", default=DEFAULT_SUBNET, show_default=True, envvar="FLEETCTL_LAB_SUBNET",
              help="The lab network's subnet (for `up`).  [env: FLEETCTL_LAB_SUBNET]")
@click.option("--state-dir", type=click.Path(path_type=Path),
              help="Where the lab keeps its SSH keys and known_hosts.  [default: .fleetctl/NAME, or $FLEETCTL_LAB_DIR]")
@click.option("--inventory", "inventory_path", type=click.Path(path_type=Path), envvar="FLEETCTL_LAB_INVENTORY",
              help="The inventory file `up` writes.  [default: inventories/lab.yaml, or inventories/NAME.yaml;"
                   " env: FLEETCTL_LAB_INVENTORY]")
@click.pass_context
def lab(context: click.Context, name: str, subnet: str, state_dir: Path | None, inventory_path: Path | None) -> None:
    if inventory_path is None:
        inventory_path = Path("inventories") / ("lab.yaml" if name == DEFAULT_NAME else f"{name}.yaml")
    context.obj = Lab(
        state_dir or default_state_dir(name), inventory_path, name=name, subnet=subnet,
        log=lambda message: console.print(f"[dim]lab:[/] {message}"),
    )


@lab.command()
@click.option("--hosts", "host_counts", metavar="PERSONA=N,...",
              help=f"How many hosts of the personas named ({', '.join(PERSONAS)}); 0 removes them. Hosts of"
                   f" personas not named are left as they are, so `--hosts builder=1` adds a builder to a running"
                   f" lab.  [default: {','.join(f'{name}=1' for name in DEFAULT_PERSONAS)}]")
@click.pass_obj
def up(the_lab: Lab, host_counts: str | None) -> None:
    """Start the lab hosts (building images when needed) and write the inventory of every lab host."""
    try:
        hosts = the_lab.up(parse_host_counts(host_counts))
    except (LabError, HostCountError) as error:
        raise click.ClickException(str(error)) from None
    console.print(f"lab: {len(hosts)} hosts up; inventory: {the_lab.inventory_path}")


@lab.command()
@click.pass_obj
def status(the_lab: Lab) -> None:
    """Show every lab host: container state, systemd state, SSH."""
    try:
        rows = the_lab.status()
    except LabError as error:
        raise click.ClickException(str(error)) from None
    table = Table("host", "persona", "address", "container", "systemd", "ssh")
    for row in rows:
        table.add_row(row.name, row.persona, row.address, row.container, row.systemd, "yes" if row.ssh else "no")
    Console(emoji=False).print(table)
    if not rows:
        console.print("lab: no hosts (start them with `fleetctl lab up`)")


@lab.command()
@click.pass_obj
def down(the_lab: Lab) -> None:
    """Remove every lab host and the lab network (images and keys are kept)."""
    try:
        removed = the_lab.down()
    except LabError as error:
        raise click.ClickException(str(error)) from None
    console.print(f"lab: removed {removed} hosts")
