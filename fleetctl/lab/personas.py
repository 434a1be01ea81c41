"""The kinds of lab host and how each is made honestly on a Linux machine with Docker."""

from dataclasses import dataclass, field
from pathlib import Path

from fleetctl.lab.images import BUILDER, HOST

# The capped persona's systemd drop-ins, bound into its container read-only (not in the image: every
# persona shares it).
CAPPED = Path(__file__).resolve().parent / "capped"


@dataclass(frozen=True)
class Persona:
    name: str
    arch: str  # Debian architecture of the image
    docker_options: tuple[str, ...] = ()
    # Replaces the image's command; None keeps /lib/systemd/systemd.
    command: tuple[str, ...] | None = None
    inventory_vars: dict = field(default_factory=dict)
    device_tree_model: str | None = None
    summary: str = ""
    image: str = HOST  # HOST, or BUILDER: the host image plus npm, a compiler and Node's headers
    # Started only when --hosts names it; `lab up` alone leaves it out.
    on_demand: bool = False
    # Its hosts' addresses: the Nth is the subnet's address first_address + N - 1. None: a /24 of its own,
    # x.y.P.N for the persona's number P in PERSONAS (so at most MAX_PER_BLOCK hosts).
    first_address: int | None = None

    @property
    def is_builder(self) -> bool:
        return self.image == BUILDER

    @property
    def has_app(self) -> bool:
        """False when its group undoes the lab's app (fleet_app_name: null): the lb and the builders."""
        return self.inventory_vars.get("fleet_app_name", "") is not None


PERSONAS: dict[str, Persona] = {
    persona.name: persona
    for persona in (
        Persona(
            name="server",
            arch="amd64",
            # A bare-metal host cannot be produced on a VM: the inventory says what it stands for.
            inventory_vars={"fleet_kind": "server"},
            summary="x86_64 host labelled as a server (bare metal cannot be produced on a VM)",
        ),
        Persona(
            name="vm",
            arch="amd64",
            # Without /.dockerenv, systemd finds no container and the machine's own hypervisor shows.
            command=("sh", "-c", "rm -f /.dockerenv; exec /lib/systemd/systemd"),
            summary="x86_64 host whose container markers are removed: the hypervisor shows through",
        ),
        Persona(
            name="container",
            arch="amd64",
            docker_options=("--cpus", "1.5", "--memory", "512m"),
            summary="systemd container with a 1.5 CPU quota and a 512 MiB memory limit",
        ),
        Persona(
            name="pi",
            arch="arm64",
            docker_options=("--memory", "1g"),
            device_tree_model="Raspberry Pi 4 Model B Rev 1.4",
            summary="aarch64 userland under qemu emulation with a Raspberry Pi 4 device tree, 1 GiB",
        ),
        Persona(
            name="lb",
            arch="amd64",
            # No app of its own: the nginx-lb role installs nginx and balances the other hosts.
            inventory_vars={"fleet_app_name": None, "fleet_roles": ["nginx-lb"]},
            summary="x86_64 load balancer: no app, nginx (installed by the nginx-lb role) in front of the others",
        ),
        # Builders: the host image of their architecture plus npm, make, g++ and Node's headers, so they
        # build native addons for the app hosts of their platform (which have no npm). No app of their own.
        Persona(
            name="builder",
            arch="amd64",
            image=BUILDER,
            on_demand=True,
            inventory_vars={"fleet_app_name": None},
            summary="x86_64 builder (only when asked): npm, make, g++, python3, Node's headers; no app",
        ),
        Persona(
            name="armbuilder",
            arch="arm64",
            image=BUILDER,
            on_demand=True,
            inventory_vars={"fleet_app_name": None},
            summary="aarch64 builder under qemu (only when asked), for the pi's platform: as builder; no app",
        ),
        # Many plain hosts for the scale benchmark (bench/scale): the host image as it is, nothing added, from
        # x.y.16.1 on, as many as the subnet holds (about 60,000 in a /16, memory allowing: ~10 MiB each).
        Persona(
            name="plain",
            arch="amd64",
            on_demand=True,
            first_address=16 * 256 + 1,
            summary="x86_64 host as the image makes it (only when asked); any number, from x.y.16.1 on (bench/scale)",
        ),
        # On demand, for the facts' test: a host whose services' slice has a quota its logins do not.
        Persona(
            name="capped",
            arch="amd64",
            docker_options=(
                "--volume", f"{CAPPED / 'system-slice-cpu-quota.conf'}:/etc/systemd/system/system.slice.d/"
                            "fleetctl-lab-cpu-quota.conf:ro",
                "--volume", f"{CAPPED / 'ssh-in-user-slice.conf'}:/etc/systemd/system/ssh.service.d/"
                            "fleetctl-lab-user-slice.conf:ro",
            ),
            on_demand=True,
            inventory_vars={"fleet_kind": "server"},
            summary="x86_64 host (only when asked) whose system.slice may use half a CPU, a quota its SSH logins"
                    " (in user.slice) do not have",
        ),
    )
}
DEFAULT_PERSONAS = tuple(name for name, persona in PERSONAS.items() if not persona.on_demand)
# Hosts of a persona without first_address: x.y.P.1 to x.y.P.255.
MAX_PER_BLOCK = 255


class HostCountError(ValueError):
    pass


def parse_host_counts(text: str | None) -> dict[str, int]:
    """'server=2,pi=1' -> {'server': 2, 'pi': 1}; None -> one of each persona but the on-demand ones.

    The personas named are the ones `lab up` converges (0 removes their hosts); it leaves the others as they are.
    """
    if not text:
        return {name: 1 for name in DEFAULT_PERSONAS}
    counts: dict[str, int] = {}
    for item in text.split(","):
        name, sep, number = item.strip().partition("=")
        if name not in PERSONAS:
            raise HostCountError(f"unknown persona {name!r} in --hosts (known: {', '.join(PERSONAS)})")
        if not sep or not number.isdigit():
            raise HostCountError(f"--hosts wants PERSONA=N, got {item.strip()!r}")
        if PERSONAS[name].first_address is None and int(number) > MAX_PER_BLOCK:
            raise HostCountError(f"--hosts {name}={number}: at most {MAX_PER_BLOCK} {name} hosts (more plain hosts:"
                                 f" plain=N)")
        counts[name] = int(number)
    return counts
