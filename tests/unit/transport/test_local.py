"""LocalTransport for real: the same quoted sh command lines as over SSH."""

import os
import re
import stat
import threading
import time
from pathlib import Path

import pytest

from fleetctl.transport import STOPPED, LocalTransport, Result, TransportError


@pytest.fixture
def local() -> LocalTransport:
    return LocalTransport("box")


def test_quoted_arguments_reach_the_program_unchanged(local):
    awkward = ["a b", "it's", '"double"', "$HOME", "a;b", "`id`", "*", "$(id)", "back\\slash", "", "new\nline", "-n"]
    result = local.run(["printf", "[%s]\\n", *awkward])
    assert result == Result(0, "".join(f"[{arg}]\n" for arg in awkward), "")


def test_nothing_in_an_argument_is_executed(local, tmp_path):
    marker = tmp_path / "pwned"
    result = local.run(["echo", f"; touch {marker}", f"$(touch {marker})", f"`touch {marker}`"])
    assert result.ok
    assert not marker.exists()


def test_exit_code_and_stderr(local):
    result = local.run(["sh", "-c", "echo out; echo err >&2; exit 4"])
    assert (result.exit_code, result.stdout, result.stderr, result.ok) == (4, "out\n", "err\n", False)


def test_script_runs_on_stdin_of_sh_with_its_arguments(local):
    script = 'first=$$\necho "$1|$2|$#"\n[ "$$" = "$first" ] && echo same-shell\n'
    assert local.run(script=script, argv=["x y", "$z"]).stdout == "x y|$z|2\nsame-shell\n"


def test_run_needs_a_command(local):
    with pytest.raises(ValueError):
        local.run()


def test_put_writes_atomically_with_mode(local, tmp_path):
    target = tmp_path / "dir with space" / "it's.conf"
    target.parent.mkdir()
    local.put(b"hello\n", str(target), mode=0o600)
    assert target.read_bytes() == b"hello\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    source = tmp_path / "source.bin"
    source.write_bytes(bytes(range(256)) * 1000)
    local.put(source, str(target), mode=0o755)
    assert target.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert os.listdir(target.parent) == [target.name]


def test_put_failure_is_one_line(local, tmp_path):
    with pytest.raises(TransportError, match=r"^box: cannot write .*/missing/f: .*No such file[^\n]*$"):
        local.put(b"x", str(tmp_path / "missing" / "f"))


def test_get_reads_a_files_bytes(local, tmp_path):
    source = tmp_path / "dir with space" / "it's.bin"
    source.parent.mkdir()
    source.write_bytes(bytes(range(256)) * 4096)
    assert local.get(str(source)) == source.read_bytes()


@pytest.mark.parametrize("name, cause", [("missing", "No such file or directory"), (".", "Is a directory")])
def test_get_failure_is_one_line_naming_the_host(local, tmp_path, name, cause):
    with pytest.raises(TransportError) as failed:
        local.get(str(tmp_path / name))
    assert str(failed.value) == f"box: cannot read {tmp_path / name}: {cause}"


def test_get_through_a_staging_file_leaves_none_behind(local, tmp_path, monkeypatch):
    # What get() does with become for a file the login user may not read: stage-download.sh copies it into a
    # private file in the login user's home. The tests run as root, who may read every file, so the staged
    # read is asked for directly here (without sudo); the SSH integration test reaches it through get() as
    # an unprivileged login user, with sudo.
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    source = tmp_path / "secret.bin"
    source.write_bytes(b"\x00secret\xff" * 1000)
    assert local._get_through_staging(str(source), timeout=10) == source.read_bytes()
    missing = re.escape(str(tmp_path / "missing"))
    with pytest.raises(TransportError, match=rf"^box: cannot read {missing}: cat: {missing}: No such file"):
        local._get_through_staging(str(tmp_path / "missing"), timeout=10)
    assert list(home.iterdir()) == []


def test_timeout_kills_the_command_and_its_children(local, tmp_path):
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"^box: timed out after 0.3s$"):
        local.run(script="sleep 30 & sleep 30; wait", timeout=0.3)
    assert time.monotonic() - started < 5


def test_local_become_as_root_needs_no_sudo():
    if os.geteuid() == 0:
        assert LocalTransport("box", become=True).become is False
    else:
        assert LocalTransport("box", become=True).become is True


def test_an_explicit_become_as_root_needs_no_sudo_either(local):
    # `fleetctl exec --become` asks for it per command; sudo may not even be installed.
    if os.geteuid() != 0:
        pytest.skip("the suite runs as root (README); as another user this would need sudo")
    assert local.run(["id", "-u"], become=True).stdout == "0\n"


def test_stream_hands_over_the_output_as_it_comes_until_the_command_exits(local):
    chunks: list[tuple[float, bytes]] = []
    started = time.monotonic()
    result = local.stream(["sh", "-c", "echo one; sleep 0.5; echo two; echo err >&2; exit 3"],
                          lambda chunk: chunks.append((time.monotonic() - started, chunk)), threading.Event())
    assert result == Result(3, "", "err\n")
    assert b"".join(chunk for _, chunk in chunks) == b"one\ntwo\n"
    assert chunks[0] == (chunks[0][0], b"one\n") and chunks[0][0] < 0.4  # before the command ended


def test_stream_ends_a_command_that_never_ends_when_asked_to_stop(local, tmp_path):
    stop = threading.Event()
    pid_file = tmp_path / "pid"
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    result = local.stream(["sh", "-c", f'echo $$ > {pid_file}; exec sleep 60'], lambda chunk: None, stop)
    assert result.exit_code == STOPPED
    assert time.monotonic() - started < 3
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5  # SIGKILL is delivered, not waited for: the grandchild dies just after
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(pid)


def running(pid: int) -> bool:
    """Alive, not a zombie that an init without reaping left behind."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
