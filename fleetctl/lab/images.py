"""Lab images: a Debian base made with debootstrap, and the host image built from images/Dockerfile.

No registry is reachable where the lab runs, so the base image the Dockerfile's
FROM names is made locally with debootstrap and `docker import`. Each image
carries a hash of its recipe in a label and is rebuilt only when that changes.
"""

import hashlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fleetctl.lab.docker import Docker

IMAGES_DIR = Path(__file__).resolve().parent / "images"
RECIPE_LABEL = "fleetctl.lab.recipe"
HOST_IMAGE = "fleetctl-lab/host"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = (
    "systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "procps",
    "python3", "nodejs", "sudo", "ca-certificates",
)
ARCHES = {"x86_64": "amd64", "aarch64": "arm64"}


@dataclass(frozen=True)
class ImageRecipe:
    arch: str  # Debian's name: amd64, arm64

    @property
    def base_tag(self) -> str:
        return base_tag_from_dockerfile((IMAGES_DIR / "Dockerfile").read_text(), self.arch)

    @property
    def host_tag(self) -> str:
        return f"{HOST_IMAGE}:{self.arch}"

    def debootstrap_argv(self, rootfs: Path) -> list[str]:
        return [
            "debootstrap", "--variant=minbase", f"--arch={self.arch}",
            f"--include={','.join(BASE_PACKAGES)}", DEBIAN_SUITE, str(rootfs), DEBIAN_MIRROR,
        ]

    def base_hash(self) -> str:
        return _hash(" ".join(self.debootstrap_argv(Path("ROOTFS"))).encode())

    def host_hash(self) -> str:
        parts = [self.base_hash().encode()]
        for path in sorted(IMAGES_DIR.iterdir()):
            parts += [path.name.encode(), path.read_bytes()]
        return _hash(b"\0".join(parts))


def base_tag_from_dockerfile(dockerfile: str, arch: str) -> str:
    """The image FROM names, with the ARCH build argument substituted."""
    match = re.search(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    if not match:
        raise ValueError("images/Dockerfile has no FROM line")
    return match.group(1).replace("${ARCH}", arch).replace("$ARCH", arch)


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def ensure_image(docker: Docker, recipe: ImageRecipe, log) -> str:
    """Build what is missing or stale; return the host image tag."""
    if docker.label("image", recipe.base_tag, RECIPE_LABEL) != recipe.base_hash():
        log(f"making base image {recipe.base_tag} with debootstrap (a few minutes, once)")
        _import_base(docker, recipe)
    if docker.label("image", recipe.host_tag, RECIPE_LABEL) != recipe.host_hash():
        log(f"building {recipe.host_tag}")
        docker.run([
            "build", "--quiet", "--build-arg", f"ARCH={recipe.arch}",
            "--label", f"{RECIPE_LABEL}={recipe.host_hash()}",
            "--tag", recipe.host_tag, str(IMAGES_DIR),
        ], timeout=1800)
    return recipe.host_tag


def _import_base(docker: Docker, recipe: ImageRecipe) -> None:
    rootfs = Path(tempfile.mkdtemp(prefix=f"fleetctl-rootfs-{recipe.arch}-"))
    try:
        done = subprocess.run(recipe.debootstrap_argv(rootfs), capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["(no output)"]
            raise RuntimeError(f"debootstrap --arch={recipe.arch} failed: {tail[0]}")
        # An empty machine-id makes systemd generate one per container at boot.
        (rootfs / "etc/machine-id").write_text("")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        docker.run([
            "import",
            "--change", 'CMD ["/lib/systemd/systemd"]',
            "--change", f"LABEL {RECIPE_LABEL}={recipe.base_hash()}",
            "-", recipe.base_tag,
        ], stdin=tar.stdout, timeout=1800)
        if tar.wait() != 0:
            raise RuntimeError(f"tar of the {recipe.arch} root file system failed")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
