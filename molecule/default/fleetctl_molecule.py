"""Glue between Molecule and fleetctl's lab code, run with the Python that runs Molecule.

    python fleetctl_molecule.py image
        Make the lab's host image (fleetctl-lab/host:amd64) unless it is there and
        current: the same code `fleetctl lab up` runs (debootstrap base, docker build).
    python fleetctl_molecule.py keys DIR HOST...
        An SSH client key pair DIR/id_ed25519 and one host key per Molecule
        instance DIR/hosts/HOST/ssh_host_ed25519_key (kept when they exist).
    python fleetctl_molecule.py inventory DIR HOSTS_JSON VARS_DIR
        From {host: {"address": ip, "groups": [...], "vars": {fleet_*: ...}}}:
        DIR/known_hosts (every instance's own host key, nothing learnt over the
        network) and DIR/inventory.yaml, the fleetctl inventory converge deploys.
        Relative paths in path variables (fleet_app_src, fleet_decision_table)
        are resolved against VARS_DIR, the folder of the inventory the variables
        come from, as fleetctl resolves them against its inventory's folder.

Nothing here is copied from the lab: keys, known_hosts lines and images come
from fleetctl.lab.
"""

import json
import sys
from pathlib import Path

import yaml

from fleetctl.inventory.rolepaths import Roles
from fleetctl.inventory.schema import FLEET_VARIABLES_BY_NAME
from fleetctl.inventory.values import LocalPath
from fleetctl.lab import LabError, keys, preflight
from fleetctl.lab.docker import Docker, DockerError
from fleetctl.lab.images import ImageRecipe, ensure_image
from fleetctl.lab.lab import connection_vars

ARCH = "amd64"
# How fleetctl reaches the instances is the scenario's business: these are never copied
# from the Molecule inventory (no trust on first use, only the host keys prepare made).
CONNECTION_VARIABLES = {"fleet_known_hosts_file", "fleet_trust_on_first_use"}


def host_key_path(directory: Path, host: str) -> Path:
    return directory / "hosts" / host / "ssh_host_ed25519_key"


def make_image() -> None:
    docker = Docker()
    try:
        preflight.check(docker, [ARCH])
        tag = ensure_image(docker, ImageRecipe(ARCH), lambda line: print(line, flush=True))
    except (LabError, DockerError, RuntimeError) as error:
        sys.exit(f"fleetctl_molecule: could not make the lab image: {error}")
    print(f"lab image {tag} is ready")


def make_keys(directory: Path, hosts: list[str]) -> None:
    keys.ensure_keypair(directory / "id_ed25519", "fleetctl-molecule")
    for host in hosts:
        keys.ensure_keypair(host_key_path(directory, host), f"root@{host}")
    print(json.dumps({"client_key": str(directory / "id_ed25519"), "hosts": hosts}))


def fleet_variables(variables: dict, vars_dir: Path) -> dict:
    """The host's fleet_* and role variables, connection ones left out, relative local paths made absolute
    and roles found where fleetctl finds them for the inventory they come from."""
    copied = {}
    for name, value in sorted(variables.items()):
        if name in CONNECTION_VARIABLES:
            continue
        variable = FLEET_VARIABLES_BY_NAME.get(name)
        if variable is not None and isinstance(variable.type, (LocalPath, Roles)) and value:
            value = variable.check(value, vars_dir)
        copied[name] = value
    return copied


def write_inventory(directory: Path, hosts: dict[str, dict], vars_dir: Path) -> None:
    known_hosts = directory / "known_hosts"
    client_key = directory / "id_ed25519"
    lines = []
    for name, host in sorted(hosts.items()):
        public = host_key_path(directory, name).with_suffix(".pub").read_text()
        lines.append(keys.known_hosts_line(host["address"], 22, public))
    known_hosts.write_text("\n".join(lines) + "\n")

    ungrouped: dict[str, dict] = {}
    groups: dict[str, dict] = {}
    for name, host in sorted(hosts.items()):
        entry = {"ansible_host": host["address"], **fleet_variables(host.get("vars", {}), vars_dir)}
        # A host is written once, with its merged variables, under its first
        # group; its other groups list it without variables.
        first, *others = host.get("groups") or [None]
        if first is None:
            ungrouped[name] = entry
            continue
        groups.setdefault(first, {"hosts": {}})["hosts"][name] = entry
        for group in others:
            groups.setdefault(group, {"hosts": {}})["hosts"][name] = None
    inventory = {
        "all": {
            "vars": connection_vars(client_key, known_hosts),
            **({"hosts": ungrouped} if ungrouped else {}),
            **({"children": groups} if groups else {}),
        }
    }
    path = directory / "inventory.yaml"
    path.write_text(
        "# Written by molecule/default/prepare.yml: the Molecule instances as a fleetctl inventory.\n"
        + yaml.safe_dump(inventory, sort_keys=False, default_flow_style=False)
    )
    print(path)


def main(argv: list[str]) -> None:
    if argv[:1] == ["image"] and len(argv) == 1:
        make_image()
    elif argv[:1] == ["keys"] and len(argv) >= 3:
        make_keys(Path(argv[1]), argv[2:])
    elif argv[:1] == ["inventory"] and len(argv) == 4:
        write_inventory(Path(argv[1]), json.loads(argv[2]), Path(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
