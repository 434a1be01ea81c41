"""`fleetctl lab`: a local fleet of real test hosts (systemd + sshd in Docker containers).

Every host gets a fixed address on the lab's own Docker network, its own host
key (recorded in the lab's known_hosts before it starts), and the lab's client
key for the deploy user. `up` converges the personas it is asked for (leaving the
lab's other hosts as they are; see hosts.py) and writes an Ansible-style
inventory of every host that every fleetctl command (and Ansible) can use.
"""

import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from fleetctl.lab import LabError, images, keys, preflight
from fleetctl.lab.docker import Docker, DockerError
from fleetctl.lab.hosts import (
    DEFAULT_NAME, DEFAULT_SUBNET, HostPlan, LabHost, PresentHost, lab_hosts, plan_hosts,
)
from fleetctl.lab.personas import PERSONAS

__all__ = ["DEFAULT_NAME", "DEFAULT_SUBNET", "Lab", "LabHost", "lab_hosts", "render_inventory"]

LAB_LABEL = "fleetctl.lab"
EXAMPLE_APP = Path(__file__).resolve().parent / "example-app"
DEVICE_TREE_SCRIPT = Path(__file__).resolve().parent / "device-tree-model.sh"
PERSONA_LABEL = "fleetctl.lab.persona"
STATE_DIR_LABEL = "fleetctl.lab.state-dir"
DEPLOY_USER = "deploy"
READY_TIMEOUT_S = 300
# Under emulation an aarch64 systemd takes tens of seconds to boot.
MAX_PARALLEL_STARTS = 8

Log = Callable[[str], None]


@dataclass(frozen=True)
class HostStatus:
    name: str
    persona: str
    address: str
    container: str  # docker's state: running, exited, ...
    systemd: str  # is-system-running's answer, or "-"
    ssh: bool


class Lab:
    def __init__(self, state_dir: Path, inventory_path: Path, name: str = DEFAULT_NAME,
                 subnet: str = DEFAULT_SUBNET, docker: Docker | None = None, log: Log = print):
        # Labs with different names (and subnets) live side by side: the name is
        # the network's, the containers' prefix and the label's value.
        self.name = name
        self.subnet = subnet
        self.state_dir = state_dir.resolve()
        self.inventory_path = inventory_path
        self.docker = docker or Docker()
        self.log = log

    @property
    def client_key(self) -> Path:
        return self.state_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.state_dir / "known_hosts"

    # --- up -------------------------------------------------------------------
    def up(self, counts: dict[str, int]) -> list[LabHost]:
        """Converge the personas counts names; leave the lab's other hosts as they are. Every host listed."""
        wanted_images = sorted({(PERSONAS[name].arch, PERSONAS[name].image) for name, count in counts.items() if count})
        preflight.check(self.docker, sorted({arch for arch, _ in wanted_images}))
        self.subnet = self._ensure_network()
        plan = plan_hosts(counts, self._present_hosts(), self.name, self.subnet, str(self.state_dir))
        for host in plan.start:
            host.address  # noqa: B018 - LabAddressError now, before any host is started, when the subnet is too small
        tags = self._ensure_images(wanted_images)
        client_public = keys.ensure_keypair(self.client_key, "fleetctl-lab")
        authorized_keys = self.state_dir / "authorized_keys"
        authorized_keys.write_text(client_public + "\n")
        authorized_keys.chmod(0o644)
        self._report(plan)
        if plan.remove:
            self.docker.run(["rm", "--force", *plan.remove])
        with ThreadPoolExecutor(max_workers=MAX_PARALLEL_STARTS) as pool:
            list(pool.map(lambda host: self._ensure_running(
                host, tags[(host.persona.arch, host.persona.image)], authorized_keys), plan.start))
        self._write_known_hosts(plan.inventory)
        self._write_inventory(plan.inventory)
        self.log(f"waiting for {len(plan.start)} hosts to answer SSH and finish booting")
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(self._wait_ready, plan.start))
        return plan.inventory

    def _ensure_images(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(arch, image) -> tag, made one architecture per thread (a builder image after its host image)."""
        by_arch: dict[str, list[str]] = {}
        for arch, image in wanted:
            by_arch.setdefault(arch, []).append(image)

        def one_arch(arch: str) -> dict[tuple[str, str], str]:
            return {(arch, image): self._ensure_image(arch, image) for image in by_arch[arch]}

        tags: dict[tuple[str, str], str] = {}
        with ThreadPoolExecutor(max_workers=len(by_arch) or 1) as pool:
            for made in pool.map(one_arch, by_arch):
                tags.update(made)
        return tags

    def _ensure_image(self, arch: str, image: str) -> str:
        try:
            return images.ensure_image(self.docker, images.ImageRecipe(arch), self.log, image)
        except (DockerError, RuntimeError) as error:
            raise LabError(f"could not make the {arch} lab {image} image: {error}") from None

    def _report(self, plan: HostPlan) -> None:
        if plan.remove:
            self.log(f"removing {len(plan.remove)} hosts beyond the counts asked for: {', '.join(plan.remove)}")
        if plan.keep:
            self.log(f"keeping {len(plan.keep)} hosts of personas not asked for, as they are: "
                     f"{', '.join(host.name for host in plan.keep)}")
        if plan.foreign:
            self.log(f"leaving alone, and out of the inventory, {len(plan.foreign)} hosts made from another state "
                     f"directory or of a persona unknown here: {', '.join(plan.foreign)}")

    def _ensure_network(self) -> str:
        """Create the lab's network unless it exists; its subnet (an existing network's wins)."""
        try:
            return self.docker.run(["network", "inspect", "--format",
                                    "{{range .IPAM.Config}}{{.Subnet}}{{end}}", self.name]).strip()
        except DockerError:
            self.docker.run(["network", "create", "--subnet", self.subnet, "--label", f"{LAB_LABEL}={self.name}",
                             self.name])
            return self.subnet

    def _lab_containers(self) -> dict[str, str]:
        """name -> docker state of every lab container."""
        out = self.docker.run([
            "ps", "--all", "--filter", f"label={LAB_LABEL}={self.name}", "--format", "{{.Names}} {{.State}}",
        ])
        return dict(line.split(" ", 1) for line in out.splitlines() if line.strip())

    def _present_hosts(self) -> list[PresentHost]:
        """Every container of this lab, with the persona and state directory it was made with."""
        out = self.docker.run([
            "ps", "--all", "--filter", f"label={LAB_LABEL}={self.name}", "--format",
            f'{{{{.Names}}}} {{{{.Label "{PERSONA_LABEL}"}}}} {{{{.Label "{STATE_DIR_LABEL}"}}}}',
        ])
        present = []
        for line in out.splitlines():
            if line.strip():
                name, persona, state_dir = (line.split(" ", 2) + ["", ""])[:3]
                present.append(PresentHost(name, persona, state_dir))
        return present

    def _ensure_running(self, host: LabHost, image: str, authorized_keys: Path) -> None:
        host_key = self.state_dir / "hosts" / host.name / "ssh_host_ed25519_key"
        keys.ensure_keypair(host_key, f"root@{host.name}")
        image_id = self.docker.run(["image", "inspect", "--format", "{{.Id}}", image]).strip()
        current = self._container_identity(host.name)
        # Kept only when it runs this image with this lab's keys (another checkout's lab of the
        # same name mounts other keys: such a host is remade).
        if current == (image_id, "running", str(self.state_dir)):
            self._apply_device_tree(host)
            return
        if current is not None:
            self.docker.run(["rm", "--force", host.name])
        self.log(f"starting {host.name} ({host.persona.name}) at {host.address}")
        self.docker.run([
            "run", "--detach", "--name", host.name, "--hostname", host.name,
            "--network", self.name, "--ip", host.address,
            "--label", f"{LAB_LABEL}={self.name}", "--label", f"{PERSONA_LABEL}={host.persona.name}",
            "--label", f"{STATE_DIR_LABEL}={self.state_dir}",
            # What boots systemd as PID 1 here without --privileged (shared/notes/test-hosts.md).
            "--cgroupns=host", "--volume", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
            "--tmpfs", "/run", "--tmpfs", "/run/lock",
            "--volume", f"{host_key}:/etc/ssh/ssh_host_ed25519_key:ro",
            "--volume", f"{host_key}.pub:/etc/ssh/ssh_host_ed25519_key.pub:ro",
            "--volume", f"{authorized_keys}:/home/{DEPLOY_USER}/.ssh/authorized_keys:ro",
            *host.persona.docker_options,
            image, *(host.persona.command or ()),
        ])
        self._apply_device_tree(host)

    def _container_identity(self, name: str) -> tuple[str, str, str] | None:
        """(image id, state, the lab state dir it was made from) of a container, or None."""
        try:
            out = self.docker.run(["container", "inspect", "--format",
                                   f'{{{{.Image}}}} {{{{.State.Status}}}} {{{{index .Config.Labels "{STATE_DIR_LABEL}"}}}}',
                                   name])
        except DockerError:
            return None
        image_id, state, state_dir = (out.strip().split(" ", 2) + ["", ""])[:3]
        return image_id, state, state_dir

    def _apply_device_tree(self, host: LabHost) -> None:
        """Give a pi host the device-tree model a Raspberry Pi's firmware provides.

        Docker cannot bind files into /sys and the container may not mount, so the
        lab, from outside, mounts a tmpfs over the container's /sys/firmware in its
        mount namespace and writes the model there, NUL-terminated as on a Pi.
        """
        model = host.persona.device_tree_model
        if not model:
            return
        pid = self.docker.run(["container", "inspect", "--format", "{{.State.Pid}}", host.name]).strip()
        script = DEVICE_TREE_SCRIPT.read_text(encoding="utf-8")
        done = subprocess.run(["nsenter", "--target", pid, "--mount", "--", "sh", "-c", script, "sh", model],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise LabError(f"{host.name}: could not write the device-tree model: {done.stderr.strip()}")

    def _wait_ready(self, host: LabHost) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ssh_banner(host.address):
            if time.monotonic() > deadline:
                raise LabError(f"{host.name}: no SSH banner at {host.address}:22 within {READY_TIMEOUT_S} s")
            time.sleep(0.5)
        state = self._systemd_state(host.name, wait=True)
        if state not in ("running", "degraded"):
            raise LabError(f"{host.name}: systemd reports {state!r} (see: docker exec {host.name} systemctl --failed)")

    def _systemd_state(self, name: str, wait: bool = False) -> str:
        # is-system-running exits non-zero for degraded (and others) but prints the state all the same.
        argv = ["exec", name, "systemctl", "is-system-running", *(["--wait"] if wait else [])]
        return self.docker.run(argv, timeout=READY_TIMEOUT_S, check=False).strip() or "unknown"

    def _write_known_hosts(self, hosts: list[LabHost]) -> None:
        lines = []
        for host in hosts:
            public = (self.state_dir / "hosts" / host.name / "ssh_host_ed25519_key.pub").read_text()
            lines.append(keys.known_hosts_line(host.address, 22, public))
        self.known_hosts.write_text("\n".join(lines) + "\n")

    def _write_inventory(self, hosts: list[LabHost]) -> None:
        self.inventory_path.parent.mkdir(parents=True, exist_ok=True)
        self.inventory_path.write_text(render_inventory(hosts, self.client_key, self.known_hosts))
        self.log(f"wrote {self.inventory_path}")

    # --- status and down -------------------------------------------------------
    def status(self) -> list[HostStatus]:
        containers = self._lab_containers()

        def one(name: str) -> HostStatus:
            persona = self.docker.label("container", name, PERSONA_LABEL) or "?"
            address = self.docker.run([
                "container", "inspect", "--format",
                "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name,
            ]).strip()
            running = containers[name] == "running"
            return HostStatus(
                name=name, persona=persona, address=address or "-", container=containers[name],
                systemd=self._systemd_state(name) if running else "-",
                ssh=bool(address) and ssh_banner(address),
            )

        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(one, sorted(containers)))

    def down(self) -> int:
        preflight.check(self.docker, [])
        names = list(self._lab_containers())
        if names:
            self.docker.run(["rm", "--force", *names], timeout=300)
        try:
            self.docker.run(["network", "rm", self.name])
        except DockerError:
            pass  # already gone
        if self.inventory_path.exists():
            self.inventory_path.unlink()
        return len(names)


def ssh_banner(address: str, port: int = 22, timeout: float = 2.0) -> bool:
    """True when an SSH server answers with its banner (a bare TCP connect proves nothing here)."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def connection_vars(client_key: Path, known_hosts: Path) -> dict:
    """How fleetctl (and Ansible) reach a host made from the lab image, host keys checked."""
    return {
        "ansible_user": DEPLOY_USER,
        "ansible_port": 22,
        "ansible_ssh_private_key_file": str(client_key),
        "ansible_become": True,
        "fleet_known_hosts_file": str(known_hosts),
        # The same file for Ansible itself, with checking kept on.
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes",
    }


def render_inventory(hosts: list[LabHost], client_key: Path, known_hosts: Path) -> str:
    groups: dict[str, dict] = {}
    for host in hosts:
        group = groups.setdefault(host.persona.name, {"hosts": {}})
        group["hosts"][host.name] = {"ansible_host": host.address}
        if host.persona.inventory_vars:
            group["vars"] = dict(host.persona.inventory_vars)
    builders = build_hosts(hosts)
    for name, group in groups.items():
        persona = PERSONAS[name]
        if persona.has_app and persona.arch in builders:
            group.setdefault("vars", {})["fleet_build_host"] = builders[persona.arch]
    inventory = {
        "all": {
            "vars": {
                **connection_vars(client_key, known_hosts),
                "ansible_python_interpreter": "/usr/bin/python3",
                # The example app, so `fleetctl deploy` works on the lab out of the box.
                "fleet_app_name": "hello",
                "fleet_app_src": str(EXAMPLE_APP),
                "fleet_app_port": 3000,
            },
            "children": groups,
        }
    }
    header = (
        "# Written by `fleetctl lab up`: one group per persona, Ansible-style.\n"
        "# The server group is labelled fleet_kind: server because bare metal cannot\n"
        "# be produced on a VM; every other kind is detected by probing. The lb group\n"
        "# has no app: its nginx-lb role balances the others and drains each during a rollout.\n"
    )
    if builders:
        header += (
            "# The builder groups (--hosts builder=1,armbuilder=1) have no app: they build native addons\n"
            "# for the app groups of their architecture, which name the first of them in fleet_build_host.\n"
            "# Deploy the app hosts with --limit '!*builder'.\n"
        )
    return header + yaml.safe_dump(inventory, sort_keys=False, default_flow_style=False)


def build_hosts(hosts: list[LabHost]) -> dict[str, str]:
    """Debian architecture -> the first builder host of it."""
    builders: dict[str, str] = {}
    for host in hosts:
        if host.persona.is_builder:
            builders.setdefault(host.persona.arch, host.name)
    return builders


def default_state_dir(lab_name: str = DEFAULT_NAME) -> Path:
    return Path(os.environ.get("FLEETCTL_LAB_DIR", f".fleetctl/{lab_name}"))
