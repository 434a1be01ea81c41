"""What the lab needs from the machine, checked before anything starts: one-line errors that say what to run."""

import os
import platform
import shutil
from pathlib import Path

from fleetctl.lab import LabError
from fleetctl.lab.docker import Docker

SETUP_SCRIPT = Path(__file__).resolve().parent / "setup-machine.sh"
BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")
NATIVE_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


class PreflightError(LabError):
    pass


def check(docker: Docker, arches: list[str]) -> None:
    fix = f"run: sudo bash {SETUP_SCRIPT}"
    if os.geteuid() != 0:
        raise PreflightError("fleetctl lab needs root (Docker, debootstrap, host-key bind mounts); run it with sudo")
    if not docker.answers():
        raise PreflightError(f"no Docker engine answers (docker version failed); {fix}")
    if shutil.which("debootstrap") is None:
        raise PreflightError(f"debootstrap is not installed (it makes the lab's base images); {fix}")
    for arch in arches:
        if arch != NATIVE_ARCH and not emulation_enabled(arch):
            raise PreflightError(f"no {arch} emulation registered in {BINFMT_DIR}; {fix}")


def emulation_enabled(arch: str) -> bool:
    """Registered, enabled, and with the flags the lab relies on: F (works inside
    containers) and C (setuid binaries such as sudo keep their credentials)."""
    qemu_name = {"arm64": "aarch64"}.get(arch, arch)
    try:
        entry = (BINFMT_DIR / f"qemu-{qemu_name}").read_text()
    except OSError:
        return False
    flags = next((line.split(":", 1)[1] for line in entry.splitlines() if line.startswith("flags:")), "")
    return entry.startswith("enabled") and "F" in flags and "C" in flags
