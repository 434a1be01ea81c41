"""Which lab hosts exist: their names and fixed addresses, and what `lab up` starts, keeps and removes.

`up` converges only the personas it is asked for: `--hosts builder=1` adds a
builder and leaves a running lab's other hosts as they are (neither removed nor
restarted); `--hosts builder=0` removes the builders. Hosts made from another
state directory (another checkout's lab of the same name) are left alone and
out of this lab's inventory: their keys are not this lab's.
"""

import ipaddress
from dataclasses import dataclass

from fleetctl.lab import LabError
from fleetctl.lab.personas import PERSONAS, Persona

DEFAULT_NAME = "fleetctl-lab"
DEFAULT_SUBNET = "172.30.0.0/16"


class LabAddressError(LabError):
    """The lab's subnet is too small for a host; str() is one line."""


# Where a free subnet is looked for: the private /16s Docker's own default pools do not hand out first.
SPARE_SUBNETS = tuple(f"172.{second}.0.0/16" for second in range(20, 32)) + tuple(
    f"10.{second}.0.0/16" for second in range(200, 256))


def free_subnet(preferred: str, in_use: list[str], spare: tuple[str, ...] = SPARE_SUBNETS) -> str:
    """preferred unless it overlaps a subnet in use (the engine is shared), else the first spare one that does not."""
    taken = [ipaddress.ip_network(subnet) for subnet in in_use if ":" not in subnet]
    for candidate in (preferred, *spare):
        network = ipaddress.ip_network(candidate)
        if not any(network.overlaps(other) for other in taken):
            return candidate
    raise LabAddressError(f"every subnet tried overlaps a Docker network: {preferred}, {spare[0]} ... {spare[-1]}")


@dataclass(frozen=True)
class LabHost:
    name: str
    persona: Persona
    index: int
    subnet: ipaddress.IPv4Network

    @property
    def address(self) -> str:
        if self.persona.first_address is not None:
            offset = self.persona.first_address + self.index - 1
        else:
            offset = (list(PERSONAS).index(self.persona.name) + 1) * 256 + self.index
        if offset >= self.subnet.num_addresses - 1:
            raise LabAddressError(f"{self.name}: subnet {self.subnet} has no address for it (use a larger --subnet)")
        return str(self.subnet.network_address + offset)


@dataclass(frozen=True)
class PresentHost:
    """A container of the lab as Docker lists it."""

    name: str
    persona: str  # its persona label
    state_dir: str  # the state directory it was made from (its keys)


@dataclass(frozen=True)
class HostPlan:
    start: list[LabHost]  # the personas asked for: made or kept running, then waited for
    keep: list[LabHost]  # hosts of this lab's other personas, left as they are
    remove: list[str]  # hosts of the personas asked for beyond their count
    foreign: list[str]  # left alone and out of the inventory (another state dir, or no persona known here)

    @property
    def inventory(self) -> list[LabHost]:
        """Every host the lab's inventory and known_hosts list, in persona order."""
        order = list(PERSONAS)
        return sorted(self.start + self.keep, key=lambda host: (order.index(host.persona.name), host.index))


def host_name(lab_name: str, persona: str, index: int) -> str:
    return f"{lab_name}-{persona}-{index}"


def lab_hosts(counts: dict[str, int], lab_name: str = DEFAULT_NAME, subnet: str = DEFAULT_SUBNET) -> list[LabHost]:
    network = ipaddress.ip_network(subnet)
    return [
        LabHost(host_name(lab_name, name, index), PERSONAS[name], index, network)
        for name in PERSONAS
        for index in range(1, counts.get(name, 0) + 1)
    ]


def plan_hosts(counts: dict[str, int], present: list[PresentHost], lab_name: str, subnet: str,
               state_dir: str) -> HostPlan:
    """What `up` does with counts (the personas asked for) on a lab whose containers are present."""
    start = lab_hosts(counts, lab_name, subnet)
    wanted = {host.name for host in start}
    network = ipaddress.ip_network(subnet)
    keep, remove, foreign = [], [], []
    for host in present:
        if host.name in wanted:
            continue
        if host.persona in counts:
            remove.append(host.name)
            continue
        index = _index(host, lab_name)
        if host.persona not in PERSONAS or index is None or host.state_dir != state_dir:
            foreign.append(host.name)
            continue
        keep.append(LabHost(host.name, PERSONAS[host.persona], index, network))
    return HostPlan(start, keep, sorted(remove), sorted(foreign))


def _index(host: PresentHost, lab_name: str) -> int | None:
    """The index in a name host_name() made, else None."""
    prefix = f"{lab_name}-{host.persona}-"
    number = host.name.removeprefix(prefix)
    return int(number) if host.name.startswith(prefix) and number.isdigit() and int(number) > 0 else None
