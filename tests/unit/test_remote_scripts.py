"""The programs in fleetctl/remote run for real, in temporary folders, under every shell a host may have."""

import dataclasses
import getpass
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

import fleetctl
from fleetctl.build.archive import pack_tree, unpack
from fleetctl.deploy import lock as deploy_lock
from fleetctl.deploy.files import FileState, parse_file_states
from fleetctl.deploy.hoststate import HostState, parse_host_state
from fleetctl.build.archive import pack
from fleetctl.domain import Mode, RunningProcess, Scheduling
from fleetctl.lab.lab import DEVICE_TREE_SCRIPT
from fleetctl.remote import FOLDER, BuildExit, LockExit, one_line, script
from fleetctl.status import HostStatus, parse_status
from fleetctl.transport.local import LocalTransport

# How the transports start a script (`sh -s -- ARGS`), with each shell a host may have as sh.
SHELLS = [["dash", "-s"], ["busybox", "sh", "-s"], ["bash", "--posix", "-s"]]


def run_script(shell: list[str], name: str, *arguments: str, path: Path | None = None) -> subprocess.CompletedProcess:
    """Run the program `name` as a transport does; path: the only folder on PATH."""
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    env = dict(os.environ, PATH=str(path)) if path else None
    return subprocess.run([shutil.which(shell[0]), *shell[1:], "--", *arguments], input=script(name),
                          capture_output=True, text=True, timeout=30, env=env)


def path_of(tmp_path: Path, *commands: str) -> Path:
    """A folder holding only these commands (links to this machine's): a host that lacks the others."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for command in commands:
        (folder / command).symlink_to(shutil.which(command))
    return folder


# --- a failed first deploy ------------------------------------------------------------


def fake_commands(folder: Path, log: Path, *names: str) -> None:
    """Commands that only record how they were called (systemctl, userdel and id stand for the host's)."""
    for name in names:
        (folder / name).write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n')
        (folder / name).chmod(0o755)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("data_in_shared", [False, True])
def test_undo_first_deploy_leaves_the_host_as_before_but_keeps_data(shell, tmp_path, data_in_shared):
    root, etc = tmp_path / "opt" / "app", tmp_path / "etc"
    (root / "releases" / "r1").mkdir(parents=True)
    (root / "releases" / ".r1.tar.gz").write_bytes(b"x")
    (root / "shared").mkdir()
    if data_in_shared:
        (root / "shared" / "uploads.db").write_text("kept")
    (root / "current").symlink_to("releases/r1")
    (root / ".activated").write_text("r1\n")
    etc.mkdir()
    files = [etc / "fleet-app.service", etc / "app.process.json", etc / "app.env"]
    socket_unit = etc / "fleet-app.socket"
    for file in (*files, socket_unit):
        file.write_text("x")
    log = tmp_path / "calls.log"
    folder = path_of(tmp_path, "rm", "rmdir")
    fake_commands(folder, log, "systemctl", "userdel", "id")
    done = run_script(shell, "undo-first-deploy.sh", "fleet-app.service", *map(str, files), str(root), "r1",
                      "app", "yes", "fleet-app.socket", str(socket_unit), path=folder)
    assert done.returncode == 0, done.stderr
    assert not any(file.exists() for file in (*files, socket_unit))
    left = sorted(str(path.relative_to(root)) for path in root.rglob("*"))
    assert left == (["shared", "shared/uploads.db"] if data_in_shared else [])
    calls = log.read_text().splitlines()
    # Socket and service stop in one transaction: a connection cannot start the service again meanwhile.
    assert calls[:3] == ["systemctl cat fleet-app.socket", "systemctl cat fleet-app.service",
                         "systemctl disable --now --quiet fleet-app.socket fleet-app.service"]
    assert "systemctl daemon-reload" in calls and "userdel app" in calls


# --- the deploy lock ------------------------------------------------------------------


def test_lock_exit_codes_agree_with_the_script_and_its_header():
    text = (FOLDER / "lock-acquire.sh").read_text()
    documented = {int(code): name for code, name in re.findall(r"^#\s+(\d+) ([A-Z_]+):", text, re.MULTILINE)}
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    used = {int(code) for code in re.findall(r"\bexit (\d+)", body)}
    assert documented == {member.value: member.name for member in LockExit}
    assert used == set(documented)


@pytest.mark.parametrize("shell", SHELLS)
def test_lock_is_acquired_held_broken_and_released(shell, tmp_path):
    root = tmp_path / "opt" / "app"
    lock = root / ".deploy.lock"

    first = run_script(shell, "lock-acquire.sh", str(root), '{"who": "first"}')
    assert (first.returncode, first.stdout) == (LockExit.ACQUIRED, "acquired\n")
    assert (lock / "owner").read_text() == '{"who": "first"}\n'

    second = run_script(shell, "lock-acquire.sh", str(root), '{"who": "second"}')
    assert second.returncode == LockExit.HELD
    assert re.fullmatch(r'\{"who": "first"\}\nage [01]\n', second.stdout), second.stdout

    # Only the holder gives the lock back.
    assert run_script(shell, "lock-release.sh", str(root), '{"who": "second"}').returncode == 0
    assert lock.is_dir()

    assert run_script(shell, "lock-break.sh", str(root)).returncode == 0
    assert not lock.exists() and list(root.iterdir()) == []
    assert run_script(shell, "lock-break.sh", str(root)).returncode == 0  # no lock: nothing to break

    assert run_script(shell, "lock-acquire.sh", str(root), '{"who": "second"}').returncode == LockExit.ACQUIRED
    assert run_script(shell, "lock-release.sh", str(root), '{"who": "second"}').returncode == 0
    assert not root.exists()  # left empty: removed with the lock


@pytest.mark.parametrize("shell", SHELLS)
def test_the_lease_age_is_the_owner_files_by_the_hosts_clock_and_renewing_resets_it(shell, tmp_path):
    root = tmp_path / "app"
    owner = root / ".deploy.lock" / "owner"
    run_script(shell, "lock-acquire.sh", str(root), "me")
    os.utime(owner, (owner.stat().st_atime, owner.stat().st_mtime - 100))
    shown = run_script(shell, "lock-show.sh", str(root))
    assert shown.returncode == LockExit.HELD and re.fullmatch(r"me\nage 10[01]\n", shown.stdout), shown.stdout
    assert run_script(shell, "lock-renew.sh", str(root), "me").returncode == 0
    assert re.fullmatch(r"me\nage [01]\n", run_script(shell, "lock-show.sh", str(root)).stdout)
    lost = run_script(shell, "lock-renew.sh", str(root), "someone else")
    assert lost.returncode == LockExit.HELD and lost.stdout.startswith("me\nage ")
    owner.unlink()  # a half-made lock: its age is the folder's
    assert re.fullmatch(r"age \d+\n", run_script(shell, "lock-show.sh", str(root)).stdout)
    (root / ".deploy.lock").rmdir()
    assert run_script(shell, "lock-show.sh", str(root)).returncode == 0  # no lock
    assert run_script(shell, "lock-renew.sh", str(root), "me").returncode == LockExit.HELD


@pytest.mark.parametrize("shell", SHELLS)
def test_breaking_a_lock_seen_stale_keeps_one_taken_since(shell, tmp_path):
    root = tmp_path / "app"
    run_script(shell, "lock-acquire.sh", str(root), "newcomer")
    kept = run_script(shell, "lock-break.sh", str(root), "the stale one")
    assert kept.returncode == LockExit.HELD and kept.stdout.startswith("newcomer\n")
    assert (root / ".deploy.lock" / "owner").read_text() == "newcomer\n"
    assert run_script(shell, "lock-break.sh", str(root), "newcomer").returncode == 0
    assert not (root / ".deploy.lock").exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_lock_release_keeps_a_folder_that_holds_something(shell, tmp_path):
    root = tmp_path / "app"
    run_script(shell, "lock-acquire.sh", str(root), "me")
    (root / "current").write_text("")
    assert run_script(shell, "lock-release.sh", str(root), "me").returncode == 0
    assert sorted(path.name for path in root.iterdir()) == ["current"]


@pytest.mark.parametrize("shell", SHELLS)
def test_lock_cannot_be_created_under_a_file(shell, tmp_path):
    (tmp_path / "file").write_text("")
    done = run_script(shell, "lock-acquire.sh", str(tmp_path / "file" / "app"), "me")
    assert done.returncode == LockExit.CANNOT_CREATE


def test_lock_py_reads_the_scripts_answers_through_a_transport(tmp_path):
    root = str(tmp_path / "app")
    me = deploy_lock.this_process()
    alive_elsewhere = dataclasses.replace(me, pid=os.getppid())  # a live process: its lock is not stale
    with LocalTransport("here") as transport:
        deploy_lock.acquire(transport, root, alive_elsewhere)
        with pytest.raises(deploy_lock.LockHeld, match=r"is locked by .* \(pid \d+, started .*\), renewed"):
            deploy_lock.acquire(transport, root, me)
        deploy_lock.acquire(transport, root, me, force=True)  # broken, then taken
        deploy_lock.release(transport, root, me)
        assert not Path(root).exists()
        (tmp_path / "file").write_text("")
        with pytest.raises(deploy_lock.LockHeld, match="cannot take the deploy lock"):
            deploy_lock.acquire(transport, str(tmp_path / "file" / "app"), me)


# --- a release: unpack, switch, record ------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_unpack_release_puts_a_whole_release_in_place(shell, tmp_path):
    app, releases, shared = tmp_path / "app", tmp_path / "releases", tmp_path / "shared"
    (app / "lib").mkdir(parents=True)
    (app / "server.js").write_text("// app")
    (app / "lib" / "util.js").write_text("// util")
    release = pack(app)  # no package-lock.json: the "none" build, no npm
    releases.mkdir()
    shared.mkdir()
    (releases / f".{release.id}.tar.gz").write_bytes(release.archive)
    (releases / release.id).mkdir()
    (releases / release.id / "stale.js").write_text("")  # what an earlier attempt left is replaced whole

    umask = os.umask(0)  # what the script makes must not depend on the login's umask
    try:
        done = run_script(shell, "unpack-release.sh", str(releases), release.id, str(shared))
    finally:
        os.umask(umask)
    assert done.returncode == 0, done.stderr
    unpacked = releases / release.id
    assert sorted(str(path.relative_to(unpacked)) for path in unpacked.rglob("*")) == [
        "lib", "lib/util.js", "server.js", "shared"]
    assert (unpacked / "server.js").read_text() == "// app"
    assert os.readlink(unpacked / "shared") == str(shared)
    # Only its owner may change the code.
    assert not any(path.lstat().st_mode & 0o022 for path in [unpacked, *unpacked.rglob("*")] if not path.is_symlink())
    assert sorted(path.name for path in releases.iterdir()) == [release.id]  # archive and temporary folder gone


@pytest.mark.parametrize("shell", SHELLS)
def test_unpack_release_without_its_archive_fails_and_leaves_no_release(shell, tmp_path):
    releases = tmp_path / "releases"
    releases.mkdir()
    done = run_script(shell, "unpack-release.sh", str(releases), "r1", str(tmp_path / "shared"))
    assert done.returncode != 0 and done.stderr
    assert not (releases / "r1").exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_switch_current_points_current_and_previous_at_releases(shell, tmp_path):
    for release in ("r1", "r2"):
        (tmp_path / "releases" / release).mkdir(parents=True)

    assert run_script(shell, "switch-current.sh", str(tmp_path), "r1", "").returncode == 0
    assert os.readlink(tmp_path / "current") == "releases/r1"
    assert not (tmp_path / "previous").exists()

    done = run_script(shell, "switch-current.sh", str(tmp_path), "r2", "r1")
    assert done.returncode == 0, done.stderr
    assert os.readlink(tmp_path / "current") == "releases/r2"
    assert os.readlink(tmp_path / "previous") == "releases/r1"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["current", "previous", "releases"]


@pytest.mark.parametrize("shell", SHELLS)
def test_mark_activated_writes_the_marker_line(shell, tmp_path):
    for marker in ("r1 aaa bbb -", "r2 ccc ddd eee"):
        assert run_script(shell, "mark-activated.sh", str(tmp_path), marker).returncode == 0
        assert (tmp_path / ".activated").read_text() == marker + "\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == [".activated"]


# --- role files -----------------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_files_state_reports_present_and_missing_files(shell, tmp_path):
    present = tmp_path / "conf.d" / "site one.conf"
    present.parent.mkdir()
    present.write_text("listen 80;\n")
    present.chmod(0o640)
    missing_here, missing_folder = tmp_path / "conf.d" / "other.conf", tmp_path / "nowhere" / "x.conf"

    done = run_script(shell, "files-state.sh", str(present), str(missing_here), str(missing_folder))
    assert done.returncode == 0, done.stderr
    digest, owner, group = hashlib.sha256(b"listen 80;\n").hexdigest(), present.owner(), present.group()
    assert done.stdout.splitlines() == [
        f"{digest} {owner} {group} 640 {present}",
        f"missing dir - - {missing_here}",
        f"missing nodir - - {missing_folder}",
    ]
    states = parse_file_states(done.stdout)
    assert states[str(present)] == FileState(digest, owner, group, 0o640)
    assert states[str(missing_here)].folder_exists and not states[str(missing_folder)].folder_exists


# --- what is deployed, what runs: sections --------------------------------------------


def test_section_is_defined_once_in_its_library_and_put_before_the_scripts_that_need_it():
    library = (FOLDER / "lib" / "sections.sh").read_text()
    definitions = [path for path in Path(fleetctl.__file__).parent.rglob("*")
                   if path.is_file() and path.suffix in (".sh", ".py") and "section() {" in path.read_text()]
    assert definitions == [FOLDER / "lib" / "sections.sh"]
    for name in ("probe.sh", "hoststate.sh", "status.sh"):
        assert script(name) == library + (FOLDER / name).read_text()
    assert script("mark-activated.sh") == (FOLDER / "mark-activated.sh").read_text()  # no library needed
    holder = (FOLDER / "lib" / "lock-holder.sh").read_text()
    for name in ("lock-acquire.sh", "lock-renew.sh", "lock-show.sh", "lock-break.sh"):
        assert script(name) == holder + (FOLDER / name).read_text()


def _app_root(tmp_path: Path) -> Path:
    """An app's folder as a deploy leaves it: two releases, one being unpacked, current and previous."""
    root = tmp_path / "opt" / "hello"
    for number, release in enumerate(("r1", "r2")):
        (root / "releases" / release).mkdir(parents=True)
        os.utime(root / "releases" / release, (1_000_000 + number, 1_000_000 + number))
    (root / "releases" / ".r3.tmp").mkdir()
    (root / "releases" / ".r3.tar.gz").write_bytes(b"")
    (root / "current").symlink_to("releases/r2")
    (root / "previous").symlink_to("releases/r1")
    (root / ".activated").write_text("r2 aaa bbb -\n")
    return root


@pytest.mark.parametrize("shell", SHELLS)
def test_hoststate_prints_every_section_without_systemctl(shell, tmp_path):
    root = _app_root(tmp_path)
    unit, env, runtime = tmp_path / "fleet-hello.service", tmp_path / "hello.env", tmp_path / "runtime.js"
    process = tmp_path / "fleet-hello.process.json"
    unit.write_text("[Service]\nExecStart=/usr/bin/node server.js\n")
    env.write_text("API_TOKEN=s3cret\n")
    process.write_text(RunningProcess(Mode.SINGLE, 1, None).to_json())
    path = path_of(tmp_path, "readlink", "ls", "cat", "sha256sum", "cut", "id")

    done = run_script(shell, "hoststate.sh", str(root), str(unit), str(env), str(runtime), "root",
                      "fleet-hello.service", str(process), path=path)
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stdout
    assert parse_host_state(done.stdout) == HostState(
        current="r2", previous="r1", releases=("r2", "r1"), unit=unit.read_text(),
        env_sha256=hashlib.sha256(env.read_bytes()).hexdigest(), runtime_sha256=None, user_exists=True,
        active="inactive", enabled=False, activated="r2 aaa bbb -", process=process.read_text())


@pytest.mark.parametrize("shell", SHELLS)
def test_status_prints_every_section_without_systemctl(shell, tmp_path):
    root = _app_root(tmp_path)
    process, state = tmp_path / "fleet-hello.process.json", tmp_path / "state.json"
    process.write_text(RunningProcess(Mode.CLUSTER, 2, Scheduling.RR).to_json())
    workers = [{"state": "ready", "restarts": 1}, {"state": "starting"}]
    state.write_text(json.dumps({"workers": workers}, indent=2) + "\n")  # as the runtime writes it

    done = run_script(shell, "status.sh", str(root), "fleet-hello.service", str(process), str(state),
                      "fleet-hello.socket", path=path_of(tmp_path, "readlink", "cat"))
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("==> ")] == [
        f"==> {name} <==" for name in ("status", "current", "show", "uptime", "process", "runtime", "socket", "end")]
    assert parse_status("here", done.stdout) == HostStatus(
        "here", service="unknown", release="r2", mode=Mode.CLUSTER, workers_alive=1, workers_expected=2,
        restarts=1, uptime_s=None)


# --- files written on a host: sh -c, stdin is the data ------------------------------


def run_inline(shell: list[str], name: str, *arguments: str, data: bytes = b"") -> subprocess.CompletedProcess:
    """Run the program `name` as Transport.put does: `sh -c SCRIPT fleetctl-put ARGS`, data on stdin."""
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    return subprocess.run([*shell[:-1], "-c", one_line(name), "fleetctl-put", *arguments], input=data,
                          capture_output=True, timeout=30)


@pytest.mark.parametrize("name", ["put-file.sh", "install-upload.sh"])
def test_inline_scripts_are_one_line_of_their_commands(name):
    commands = [line for line in (FOLDER / name).read_text().splitlines() if not line.startswith("#")]
    assert one_line(name) == "; ".join(commands)
    assert "\n" not in one_line(name)


@pytest.mark.parametrize("shell", SHELLS)
def test_put_file_writes_stdin_atomically_with_its_mode(shell, tmp_path):
    dest = tmp_path / "app.conf"
    dest.write_text("old\n")
    with dest.open() as reader:  # a reader of the old file keeps reading the old file
        done = run_inline(shell, "put-file.sh", str(dest), "640", data=b"new\x00data\n")
        assert done.returncode == 0, done.stderr
        assert reader.read() == "old\n"
    assert dest.read_bytes() == b"new\x00data\n"
    assert dest.stat().st_mode & 0o777 == 0o640
    assert [path.name for path in tmp_path.iterdir()] == ["app.conf"]  # no temporary file left


@pytest.mark.parametrize("shell", SHELLS)
def test_put_file_into_a_missing_folder_fails_and_leaves_nothing(shell, tmp_path):
    done = run_inline(shell, "put-file.sh", str(tmp_path / "missing" / "app.conf"), "644", data=b"x")
    assert done.returncode != 0 and done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("shell", SHELLS)
def test_install_upload_moves_the_upload_into_place_and_removes_it(shell, tmp_path):
    upload, dest = tmp_path / ".fleetctl-upload-1", tmp_path / "etc" / "app.env"
    upload.write_bytes(b"TOKEN=x\n")
    dest.parent.mkdir()
    done = run_inline(shell, "install-upload.sh", str(upload), str(dest), "600")
    assert done.returncode == 0, done.stderr
    assert dest.read_bytes() == b"TOKEN=x\n" and dest.stat().st_mode & 0o777 == 0o600
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["app.env", "etc"]

    upload.write_bytes(b"TOKEN=y\n")
    failed = run_inline(shell, "install-upload.sh", str(upload), str(tmp_path / "missing" / "app.env"), "600")
    assert failed.returncode != 0 and failed.stderr
    assert not upload.exists()  # the upload is removed when it cannot be put in place too


# --- files read from a host: staged for the login user -------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_stage_download_copies_into_the_staging_file_keeping_it_private(shell, tmp_path):
    source, staging = tmp_path / "secret.bin", tmp_path / ".fleetctl-download-1"
    source.write_bytes(bytes(range(256)) * 64)
    source.chmod(0o600)
    staging.touch(mode=0o600)
    inode = staging.stat().st_ino
    done = run_script(shell, "stage-download.sh", str(source), str(staging))
    assert done.returncode == 0, done.stderr
    assert staging.read_bytes() == source.read_bytes()
    # Written into, not replaced: the login user's file still, with its mode.
    assert (staging.stat().st_ino, staging.stat().st_mode & 0o777) == (inode, 0o600)


@pytest.mark.parametrize("shell", SHELLS)
def test_stage_download_writes_only_into_a_regular_staging_file(shell, tmp_path):
    source, target = tmp_path / "secret.bin", tmp_path / "elsewhere"
    source.write_bytes(b"secret")
    target.write_bytes(b"untouched")
    link = tmp_path / ".fleetctl-download-link"
    link.symlink_to(target)
    for staging in (link, tmp_path / ".fleetctl-download-missing"):
        done = run_script(shell, "stage-download.sh", str(source), str(staging))
        assert (done.returncode, done.stderr) == (1, f"stage-download.sh: {staging} is not the staging file\n")
    assert target.read_bytes() == b"untouched" and not (tmp_path / ".fleetctl-download-missing").exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_stage_download_of_a_missing_file_fails_with_cats_message(shell, tmp_path):
    staging = tmp_path / ".fleetctl-download-1"
    staging.touch(mode=0o600)
    done = run_script(shell, "stage-download.sh", str(tmp_path / "missing"), str(staging))
    assert done.returncode != 0 and "missing: No such file or directory" in done.stderr
    assert staging.read_bytes() == b""


# --- native builds: what a builder has, the build itself ----------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_builder_check_finds_this_machines_tools_and_headers(shell):
    done = run_script(shell, "builder-check.sh")
    assert done.returncode == 0, done.stderr
    found = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    node = subprocess.run(["node", "-v"], capture_output=True, text=True).stdout.strip()
    assert found == {"node": node, "npm": shutil.which("npm"), "make": shutil.which("make"),
                     "cxx": shutil.which("c++"), "python3": shutil.which("python3"), "nodedir": "/usr", "headers": node}


@pytest.mark.parametrize("shell", SHELLS)
def test_builder_check_on_a_host_with_node_and_its_headers_only(shell, tmp_path):
    # node in PREFIX/bin with its headers in PREFIX/include/node, as Node's own tarballs lay them out.
    path = path_of(tmp_path, "dirname", "readlink", "awk")
    (path / "node").write_text("#!/bin/sh\necho v18.19.1\n")
    (path / "node").chmod(0o755)
    headers = tmp_path / "include" / "node"
    headers.mkdir(parents=True)
    (headers / "node_api.h").write_text("")
    (headers / "common.gypi").write_text("{}")
    (headers / "node_version.h").write_text(
        "#define NODE_MAJOR_VERSION 18\n#define NODE_MINOR_VERSION 19\n#define NODE_PATCH_VERSION 1\n")
    done = run_script(shell, "builder-check.sh", path=path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["node v18.19.1", "npm -", "make -", "cxx -", "python3 -",
                                        f"nodedir {tmp_path}", "headers v18.19.1"]


def test_build_exit_codes_agree_with_the_script_and_its_header():
    text = (FOLDER / "build-release.sh").read_text()
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert f"{BuildExit.NPM_FAILED} npm rebuild failed" in header and f"exit {BuildExit.NPM_FAILED}" in body
    assert f"Exit codes: {BuildExit.BUILT} built" in header


def _uploaded_tree(folder: Path, install_script: str) -> Path:
    """A resolved tree whose one package has an install script, uploaded as build-release.sh expects it."""
    tree = folder / "resolved"
    (tree / "node_modules" / "dep").mkdir(parents=True)
    (tree / "package.json").write_text(json.dumps({"name": "app", "dependencies": {"dep": "1.0.0"}}))
    (tree / "node_modules" / "dep" / "package.json").write_text(json.dumps(
        {"name": "dep", "version": "1.0.0", "scripts": {"install": install_script}}))
    build = folder / "build"
    build.mkdir()
    (build / "tree.tar.gz").write_bytes(pack_tree(tree))
    return build


@pytest.mark.parametrize("shell", SHELLS)
def test_build_release_runs_the_install_scripts_offline_with_the_headers_and_packs(shell, tmp_path):
    build = _uploaded_tree(tmp_path, 'echo "$npm_config_nodedir $npm_config_offline" > built.txt')
    done = run_script(shell, "build-release.sh", str(build), "/opt/node-headers")
    assert done.returncode == BuildExit.BUILT, done.stderr
    assert done.stdout == f"{build}/artifact.tar.gz\n"  # only the path: npm's output went to stderr
    unpack((build / "artifact.tar.gz").read_bytes(), tmp_path / "out")
    assert (tmp_path / "out" / "node_modules" / "dep" / "built.txt").read_text() == "/opt/node-headers true\n"


@pytest.mark.parametrize("shell", SHELLS)
def test_build_release_says_npm_failed(shell, tmp_path):
    build = _uploaded_tree(tmp_path, "echo cannot compile >&2; exit 7")
    done = run_script(shell, "build-release.sh", str(build), "/usr")
    assert done.returncode == BuildExit.NPM_FAILED
    assert "cannot compile" in done.stderr and done.stdout == ""
    assert not (build / "artifact.tar.gz").exists()


# --- the health check, run by node ------------------------------------------------------


def test_health_check_is_valid_javascript():
    done = subprocess.run(["node", "--check", str(FOLDER / "health-check.js")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


class _Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def app_port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def run_health_check(tmp_path: Path, active: str, port: int, ready_workers: int,
                     app_user: str = "nobody") -> subprocess.CompletedProcess:
    """health-check.js on a clustered app that wants 2 workers on release r2; systemctl says the unit is `active`."""
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "systemctl").write_text(f'#!/bin/sh\n[ "$3" = ActiveState ] && echo {active}\n')
    (fake / "systemctl").chmod(0o755)
    state = tmp_path / "state.json"
    workers = [{"state": "ready" if n < ready_workers else "starting", "release": "/opt/hello/releases/r2"}
               for n in range(2)]
    state.write_text(json.dumps({"workers": workers}))
    argv = ["node", "-e", script("health-check.js"), "--", "fleet-hello.service", str(port), "/healthz", "cluster",
            "2", "r2", str(state), "/opt/hello/current", app_user]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, PATH=f"{fake}{os.pathsep}{os.environ['PATH']}"))


def test_health_check_passes_a_clustered_app_with_its_workers_ready_that_answers(tmp_path, app_port):
    done = run_health_check(tmp_path, "active", app_port, ready_workers=2)
    assert (done.returncode, done.stdout) == (0, "GET /healthz: HTTP 200\n"), done.stderr


@pytest.mark.parametrize("active, ready, reason", [
    ("inactive", 2, "service fleet-hello.service is inactive"),
    ("active", 1, "1/2 workers ready on release r2"),
])
def test_health_check_fails_with_its_reason(tmp_path, app_port, active, ready, reason):
    done = run_health_check(tmp_path, active, app_port, ready_workers=ready)
    assert (done.returncode, done.stdout) == (1, reason + "\n"), done.stderr


def test_health_check_names_the_port_the_app_listens_on_when_nothing_answers_on_its_own(tmp_path, app_port):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        fleet_port = probe.getsockname()[1]
    # The app (this test's user) listens on app_port, not on fleet_app_port.
    done = run_health_check(tmp_path, "active", fleet_port, ready_workers=2, app_user=getpass.getuser())
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(f"GET /healthz: connect ECONNREFUSED 127.0.0.1:{fleet_port}; nothing accepts "
                                  f"connections on fleet_app_port {fleet_port}, and the app listens on port ")
    assert str(app_port) in done.stdout.rsplit("listens on port ", 1)[1].rstrip("\n").split(", ")
    # Another user's sockets are not the app's: no ports named.
    (tmp_path / "other").mkdir()
    other = run_health_check(tmp_path / "other", "active", fleet_port, ready_workers=2, app_user="nobody")
    assert other.stdout == f"GET /healthz: connect ECONNREFUSED 127.0.0.1:{fleet_port}\n"


# --- every script: parsed by each shell, clean under shellcheck -------------------------

# fleetctl/lab/device-tree-model.sh, the lab's one script, is held to the same rules.
SH_FILES = sorted(FOLDER.rglob("*.sh")) + [DEVICE_TREE_SCRIPT]


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("name", sorted(path.name for path in FOLDER.glob("*.sh")))
def test_every_script_parses_under_each_shell(shell, name, tmp_path):
    # What the host receives: the script after its libraries.
    (tmp_path / name).write_text(script(name))
    done = subprocess.run([*shell[:-1], "-n", str(tmp_path / name)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", SH_FILES, ids=lambda path: str(path.relative_to(FOLDER.parent)))
def test_shellcheck_finds_nothing(path):
    assert shutil.which("shellcheck"), "shellcheck is needed for this test (fleetctl/lab/setup-machine.sh installs it)"
    done = subprocess.run(["shellcheck", "--shell=sh", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout


def test_every_shellcheck_exception_says_why():
    for path in SH_FILES:
        for line in path.read_text().splitlines():
            if "shellcheck disable=" in line:
                assert re.search(r"shellcheck disable=\S+ # \S", line), f"{path.name}: {line.strip()}"


@pytest.mark.parametrize("path", sorted(path for path in FOLDER.rglob("*") if path.suffix in (".sh", ".js")),
                         ids=lambda path: str(path.relative_to(FOLDER)))
def test_every_program_says_what_it_does_its_arguments_output_and_exit_codes(path):
    marker = "//" if path.suffix == ".js" else "#"
    lines = path.read_text().splitlines()
    header = "\n".join(lines[:next(n for n, line in enumerate(lines) if not line.startswith(marker))])
    assert header.startswith(f"{marker} {path.relative_to(FOLDER)}: ")
    for part in ("Arguments", "Output:", "Exit code"):
        assert part in header, f"{path.name}: no {part} in its header"

