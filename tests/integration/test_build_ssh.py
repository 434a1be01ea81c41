"""Native builds over real SSH: build hosts that have everything (this machine's own sshd, logged in as root,
and the lab's builder image, as an unprivileged user with sudo), and one of the lab's app hosts (its image:
node but no npm nor compiler) that cannot build, says so in one line, and keeps no build folder.

Nothing here mocks SSH: each is /usr/sbin/sshd with its own keys (sshd_fixture); the lab's are throwaway
containers of its images running only sshd (sshd_fixture.start_sudo_host).
"""

import subprocess
import time
from pathlib import Path

import pytest
from sshd_fixture import SudoHost, start_sshd, start_sudo_host, stop_sshd, stop_sudo_host

from fleetctl.build.archive import pack_tree, unpack
from fleetctl.build.builders import check_builder, rebuild_on_host
from fleetctl.build.errors import BuildFailed
from fleetctl.build.tree import resolve
from fleetctl.lab.docker import Docker
from fleetctl.lab.images import BUILDER, ImageRecipe, ensure_image
from fleetctl.transport import SSHTransport

# A local N-API addon, built from source by node-gyp; hello() names the architecture it was compiled for.
NATIVE_APP = Path(__file__).resolve().parent / "apps" / "native-hello"


class RecordingSSHTransport(SSHTransport):
    """Keeps every command run and its result, to find the build folder afterwards."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ran: list[tuple[list[str] | None, object]] = []

    def run(self, argv=None, script=None, timeout=60.0, become=None):
        result = super().run(argv, script, timeout, become)
        self.ran.append((argv, result))
        return result


def transport_to(server, name: str) -> RecordingSSHTransport:
    """This machine's sshd, logged in as root."""
    folder = server.directory
    (folder / "known_hosts").write_text(server.known_hosts_entry())
    (folder / "ssh_config").write_text("")  # not this machine's ~/.ssh/config
    return RecordingSSHTransport(name, "127.0.0.1", port=server.port, user=server.user,
                                 key_file=str(server.client_key), known_hosts_file=str(folder / "known_hosts"),
                                 ssh_config_file=str(folder / "ssh_config"))


def transport_to_lab_host(host: SudoHost, name: str, become: bool) -> RecordingSSHTransport:
    config = host.client_key.parent / "ssh_config"
    config.write_text("")
    return RecordingSSHTransport(name, host.address, port=22, user=host.user, key_file=str(host.client_key),
                                 become=become, known_hosts_file=str(host.known_hosts), ssh_config_file=str(config))


def build_folder(transport: RecordingSSHTransport) -> str:
    """The folder rebuild_on_host made on the builder."""
    [folder] = [result.stdout.strip() for argv, result in transport.ran if argv == ["mktemp", "-d"]]
    return folder


@pytest.fixture(scope="module")
def this_machine(tmp_path_factory):
    """This machine's sshd: node 20 with its headers in /usr/include/node, npm, make, g++, python3."""
    server, process = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    stop_sshd(process)


@pytest.fixture(scope="module")
def lab_app_host(tmp_path_factory) -> SudoHost:
    """A container of the lab's amd64 host image running only sshd: Debian's node 18, no npm, no compiler."""
    host = start_sudo_host(tmp_path_factory.mktemp("lab-host"), ImageRecipe("amd64").host_tag)
    yield host
    stop_sudo_host(host.container)


@pytest.fixture(scope="module")
def lab_builder(tmp_path_factory) -> SudoHost:
    """A container of the lab's amd64 builder image running only sshd: node 18, npm, make, g++, libnode-dev."""
    image = ensure_image(Docker(), ImageRecipe("amd64"), print, image=BUILDER)  # built once, as the lab does
    host = start_sudo_host(tmp_path_factory.mktemp("lab-builder"), image)
    yield host
    stop_sudo_host(host.container)


@pytest.fixture(scope="module")
def native_tree(tmp_path_factory) -> bytes:
    return pack_tree(resolve(NATIVE_APP, tmp_path_factory.mktemp("native")))


def test_a_build_host_builds_a_native_addon_over_ssh(this_machine, native_tree, tmp_path):
    with transport_to(this_machine, "builder") as transport:
        tools = check_builder(transport)
        assert tools.missing == () and tools.nodedir == "/usr"
        started = time.monotonic()
        artifact = rebuild_on_host(transport, native_tree, tools.nodedir)
        print(f"build over SSH (upload, npm rebuild, download): {time.monotonic() - started:.2f}s")
        folder = build_folder(transport)
    assert folder and not Path(folder).exists()  # removed once the artifact came back
    unpack(artifact, tmp_path / "out")
    done = subprocess.run(["node", "-p", "require('hello-addon').hello()"], cwd=tmp_path / "out",
                          capture_output=True, text=True)
    assert done.stdout == "x86_64\n", done.stderr
    assert not (Path.home() / ".cache" / "node-gyp").exists()  # the headers were local: nothing downloaded


def test_the_lab_builder_builds_as_its_unprivileged_user_with_become(lab_builder, native_tree, tmp_path):
    # With become the upload lands as root in the login user's build folder; the build runs as that user.
    with transport_to_lab_host(lab_builder, "builder-1", become=True) as transport:
        tools = check_builder(transport)
        assert tools.missing == () and tools.nodedir == "/usr" and tools.headers == tools.node
        started = time.monotonic()
        artifact = rebuild_on_host(transport, native_tree, tools.nodedir)
        print(f"build on the lab's builder image over SSH: {time.monotonic() - started:.2f}s")
        assert transport.run(["test", "-e", build_folder(transport)], become=False).exit_code == 1
        home = transport.run(["sh", "-c", "echo $HOME"], become=False).stdout.strip()
        for downloaded_headers in (f"{home}/.cache/node-gyp", f"{home}/.node-gyp"):
            assert transport.run(["test", "-e", downloaded_headers], become=False).exit_code == 1
    unpack(artifact, tmp_path / "out")
    # Built for the builder's node 18; N-API keeps it loadable by this machine's node 20.
    done = subprocess.run(["node", "-p", "require('hello-addon').hello()"], cwd=tmp_path / "out",
                          capture_output=True, text=True)
    assert done.stdout == "x86_64\n", done.stderr


def test_a_lab_app_host_cannot_build_and_says_why_in_one_line(lab_app_host):
    with transport_to_lab_host(lab_app_host, "server-1", become=False) as transport:
        tools = check_builder(transport)
    assert tools.node.startswith("v18.")  # Debian's nodejs, as on every lab app host
    assert tools.problem("server-1") == (
        "server-1: cannot build native addons: missing npm, make, a C++ compiler (c++, g++ or clang++), Node's"
        " headers (include/node/node_api.h and common.gypi; Debian: libnode-dev)")


def test_a_build_that_fails_on_a_become_host_leaves_no_build_folder(lab_app_host, native_tree):
    # With become the upload lands as root in the login user's build folder; the build and its cleanup run as
    # that user: the folder must go all the same.
    with transport_to_lab_host(lab_app_host, "server-1", become=True) as transport:
        with pytest.raises(BuildFailed) as failed:
            rebuild_on_host(transport, native_tree, "/usr")
        folder = build_folder(transport)
        assert transport.run(["test", "-e", folder], become=False).exit_code == 1
    assert str(failed.value).startswith("server-1: npm rebuild failed: ") and "npm: not found" in str(failed.value)
    assert "\n" not in str(failed.value)
