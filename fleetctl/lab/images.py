"""Lab images: a Debian base made with debootstrap, the host image built from images/Dockerfile,
and the builder image (the host image plus npm, a compiler and Node's headers) from builder-image/.

No registry is reachable where the lab runs, so the base image the Dockerfile's
FROM names is made locally with debootstrap and `docker import`. Each image
carries a hash of its recipe in a label and is rebuilt only when that changes.
"""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fleetctl.lab import npm
from fleetctl.lab.docker import Docker

IMAGES_DIR = Path(__file__).resolve().parent / "images"
BUILDER_IMAGE_DIR = Path(__file__).resolve().parent / "builder-image"
RECIPE_LABEL = "fleetctl.lab.recipe"
HOST_IMAGE = "fleetctl-lab/host"
BUILDER_IMAGE = "fleetctl-lab/builder"
# What a persona runs: the plain host image, or the builder image made from it.
HOST, BUILDER = "host", "builder"
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

    @property
    def builder_tag(self) -> str:
        return f"{BUILDER_IMAGE}:{self.arch}"

    def builder_hash(self, npm_version: str = npm.NPM_VERSION, npm_integrity: str = npm.NPM_INTEGRITY) -> str:
        """Changes with the host image's recipe, the builder's files and the npm pin."""
        parts = [self.host_hash().encode(), npm_version.encode(), npm_integrity.encode()]
        for path in sorted(BUILDER_IMAGE_DIR.iterdir()):
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


def ensure_image(docker: Docker, recipe: ImageRecipe, log, image: str = HOST) -> str:
    """Build what is missing or stale for the host image (and the builder image when asked); return its tag."""
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
    if image == HOST:
        return recipe.host_tag
    if docker.label("image", recipe.builder_tag, RECIPE_LABEL) != recipe.builder_hash():
        _build_builder(docker, recipe, log)
    return recipe.builder_tag


def _build_builder(docker: Docker, recipe: ImageRecipe, log) -> None:
    """The builder image, from a context holding builder-image/ and the pinned npm tarball."""
    slow = " (apt-get under emulation: about a minute, once)" if recipe.arch != _native_arch() else ""
    log(f"building {recipe.builder_tag} with npm {npm.NPM_VERSION}{slow}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"fleetctl-builder-{recipe.arch}-") as context:
        for path in BUILDER_IMAGE_DIR.iterdir():
            shutil.copy(path, context)
        npm.fetch_npm(Path(context) / "npm.tgz")
        docker.run([
            "build", "--quiet", "--build-arg", f"ARCH={recipe.arch}", "--build-arg", f"NPM_VERSION={npm.NPM_VERSION}",
            "--label", f"{RECIPE_LABEL}={recipe.builder_hash()}",
            "--tag", recipe.builder_tag, context,
        ], timeout=3600)
    log(f"built {recipe.builder_tag} in {time.monotonic() - started:.0f} s")


def _native_arch() -> str:
    return ARCHES.get(os.uname().machine, os.uname().machine)


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
