"""The programs in fleetctl/remote run for real, in temporary folders, under every shell a host may have."""

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fleetctl.deploy.files import FileState, parse_file_states
from fleetctl.deploy.release import pack
from fleetctl.remote import FOLDER, LockExit, script

# How the transports start a script (`sh -s -- ARGS`), with each shell a host may have as sh.
SHELLS = [["dash", "-s"], ["busybox", "sh", "-s"], ["bash", "--posix", "-s"]]


def run_script(shell: list[str], name: str, *arguments: str) -> subprocess.CompletedProcess:
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    return subprocess.run([*shell, "--", *arguments], input=script(name), capture_output=True, text=True,
                          timeout=30)


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
    assert (second.returncode, second.stdout) == (LockExit.HELD, '{"who": "first"}\n')

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
        done = run_script(shell, "unpack-release.sh", str(releases), release.id, str(shared), "none")
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
    done = run_script(shell, "unpack-release.sh", str(releases), "r1", str(tmp_path / "shared"), "none")
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
