"""The programs in fleetctl/remote run for real, in temporary folders, under every shell a host may have."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

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
