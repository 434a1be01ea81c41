"""Native builds over real SSH: a build host that has everything (this machine's own sshd), and one of the lab's
app hosts (its image, node but no npm nor compiler) that cannot build and says so in one line.

Nothing here mocks SSH: both are /usr/sbin/sshd with their own keys (sshd_fixture), the second one run in a
throwaway container of the lab's host image.
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sshd_fixture import free_port, generate_key, start_sshd, stop_sshd, wait_for_banner, write_config

from fleetctl.build.archive import pack_tree, unpack
from fleetctl.build.builders import check_builder, rebuild_on_host
from fleetctl.build.tree import resolve
from fleetctl.lab.docker import Docker
from fleetctl.lab.images import ImageRecipe, ensure_image
from fleetctl.transport import SSHTransport

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "build"))
from npm_apps import native_app  # noqa: E402 (the build's test apps live with its unit tests)


class RecordingSSHTransport(SSHTransport):
    """Keeps every command run and its result, to find the build folder afterwards."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ran: list[tuple[list[str] | None, object]] = []

    def run(self, argv=None, script=None, timeout=60.0, become=None):
        result = super().run(argv, script, timeout, become)
        self.ran.append((argv, result))
        return result


def transport_to(port: int, host_key_line: str, client_key: Path, name: str) -> RecordingSSHTransport:
    folder = client_key.parent
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key_line}\n")
    (folder / "ssh_config").write_text("")  # not this machine's ~/.ssh/config
    return RecordingSSHTransport(name, "127.0.0.1", port=port, user="root", key_file=str(client_key),
                                 known_hosts_file=str(folder / "known_hosts"),
                                 ssh_config_file=str(folder / "ssh_config"))


@pytest.fixture(scope="module")
def this_machine(tmp_path_factory):
    """This machine's sshd: node 20 with its headers in /usr/include/node, npm, make, g++, python3."""
    server, process = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    stop_sshd(process)


@pytest.fixture(scope="module")
def lab_app_host(tmp_path_factory):
    """sshd in a throwaway container of the lab's amd64 host image (Debian's node 18, no npm, no compiler)."""
    image = ensure_image(Docker(), ImageRecipe("amd64"), log=print)
    directory = tmp_path_factory.mktemp("lab-sshd")
    host_key_line = generate_key(directory / "host_ed25519")
    (directory / "authorized_keys").write_text(generate_key(directory / "client_ed25519") + "\n")
    port = free_port()
    config = write_config(directory, port)
    name = f"fleetctl-build-test-{port}"
    log = directory / "sshd.log"
    # The host's network, so that its sshd listens on this machine's 127.0.0.1; the folder at the same path inside.
    process = subprocess.Popen(
        ["docker", "run", "--rm", "--name", name, "--network", "host", "--volume", f"{directory}:{directory}",
         "--entrypoint", "sh", image, "-c", f"mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -f {config}"],
        stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        wait_for_banner(port, process, log)
        yield port, host_key_line, directory / "client_ed25519"
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True)
        process.wait(timeout=30)


def test_a_build_host_builds_a_native_addon_over_ssh(this_machine, tmp_path):
    tree_archive = pack_tree(resolve(native_app(tmp_path / "app"), tmp_path / "work"))
    server = this_machine
    with transport_to(server.port, server.host_key_line, server.client_key, "builder") as transport:
        tools = check_builder(transport)
        assert tools.missing == () and tools.nodedir == "/usr"
        started = time.monotonic()
        artifact = rebuild_on_host(transport, tree_archive, tools.nodedir)
        print(f"build over SSH (upload, npm rebuild, download): {time.monotonic() - started:.2f}s")
        [folder] = [result.stdout.strip() for argv, result in transport.ran if argv == ["mktemp", "-d"]]
    assert folder and not Path(folder).exists()  # removed once the artifact came back
    unpack(artifact, tmp_path / "out")
    done = subprocess.run(["node", "-p", "require('hello-addon').hello()"], cwd=tmp_path / "out",
                          capture_output=True, text=True)
    assert done.stdout == "hello from C\n", done.stderr
    assert not (Path.home() / ".cache" / "node-gyp").exists()  # the headers were local: nothing downloaded


def test_a_lab_app_host_cannot_build_and_says_why_in_one_line(lab_app_host):
    with transport_to(*lab_app_host, "server-1") as transport:
        tools = check_builder(transport)
    assert tools.node.startswith("v18.")  # Debian's nodejs, as on every lab app host
    assert tools.problem("server-1") == (
        "server-1: cannot build native addons: missing npm, make, a C++ compiler (c++, g++ or clang++), Node's"
        " headers (include/node/node_api.h and common.gypi; Debian: libnode-dev)")
