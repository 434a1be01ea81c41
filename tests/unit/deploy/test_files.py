"""A role's files on a host: the steps that write them, fix their mode and owner and run on_change; their state."""

from fleetctl.deploy.files import (
    FileState, PreviousFile, file_steps, parse_file_states, read_file_states, read_previous, restore_steps,
)
from fleetctl.deploy.host import run_step
from fleetctl.deploy.steps import Command, WriteFile, sha256_text
from fleetctl.roles.render import RenderedFile
from fleetctl.transport import LocalTransport


def rendered(path="/etc/site.conf", content=b"port 80\n", owner="root", group="root", mode=0o644,
             on_change=("systemctl", "reload", "site")):
    return RenderedFile("site", path, content, owner, group, mode, on_change)


def test_file_steps_write_a_missing_file_then_run_on_change_once():
    files = [rendered(), rendered(path="/etc/site.d/extra.conf", owner="www-data", group="www-data")]
    steps = file_steps(files, {"/etc/site.conf": FileState(None, None, None, None),
                               "/etc/site.d/extra.conf": FileState(None, None, None, None, folder_exists=False)})
    assert [type(step).__name__ for step in steps] == ["WriteFile", "Command", "WriteFile", "Command", "Command"]
    assert steps[0].path == "/etc/site.conf" and steps[0].mode == 0o644
    assert steps[1].argv == ("install", "-d", "-m", "0755", "/etc/site.d")
    assert steps[3].argv == ("chown", "www-data:www-data", "/etc/site.d/extra.conf")
    assert steps[4].argv == ("systemctl", "reload", "site") and "on_change of role site" == steps[4].summary
    assert "port 80" not in "".join(step.display() for step in steps)  # content is never shown


def test_file_steps_change_nothing_when_the_file_is_in_place():
    state = FileState(sha256_text(b"port 80\n"), "root", "root", 0o644)
    assert file_steps([rendered()], {"/etc/site.conf": state}) == ()


def test_file_steps_fix_mode_and_owner_without_rewriting():
    state = FileState(sha256_text(b"port 80\n"), "nobody", "root", 0o600)
    steps = file_steps([rendered(on_change="nginx -s reload")], {"/etc/site.conf": state})
    assert [step.argv for step in steps] == [
        ("chmod", "0644", "/etc/site.conf"), ("chown", "root:root", "/etc/site.conf"),
        ("sh", "-c", "nginx -s reload")]
    assert all(isinstance(step, Command) for step in steps) and not any(isinstance(s, WriteFile) for s in steps)


def test_parse_file_states():
    raw = (f"{'a' * 64} www-data adm 640 /etc/a b.conf\n"
           "missing dir - - /etc/new.conf\n"
           "missing nodir - - /etc/x/y.conf\n")
    states = parse_file_states(raw)
    assert states["/etc/a b.conf"] == FileState("a" * 64, "www-data", "adm", 0o640)
    assert states["/etc/new.conf"] == FileState(None, None, None, None, folder_exists=True)
    assert states["/etc/x/y.conf"].folder_exists is False


def test_restore_steps_put_back_a_file_remove_a_new_one_and_run_on_change_once():
    steps = restore_steps([
        PreviousFile("site", "/etc/site.conf", b"port 80\n", "root", "www-data", 0o640,
                     ("systemctl", "reload", "site")),
        PreviousFile("site", "/etc/site.d/new.conf", None, None, None, None, ("systemctl", "reload", "site")),
    ])
    assert [step.summary for step in steps] == [
        "restore /etc/site.conf (role site)", "give /etc/site.conf back its owner (role site)",
        "remove /etc/site.d/new.conf (role site; it was not there before)", "on_change of role site"]
    assert (steps[0].content, steps[0].mode, steps[0].secret) == (b"port 80\n", 0o640, True)
    assert steps[1].argv == ("chown", "root:www-data", "/etc/site.conf")
    assert steps[2].argv == ("rm", "-f", "--", "/etc/site.d/new.conf")
    assert "port 80" not in "".join(step.display() for step in steps)
    assert restore_steps([]) == ()


def test_what_a_deploy_changes_is_kept_and_put_back_byte_for_byte(tmp_path):
    kept, fresh, same = tmp_path / "kept.conf", tmp_path / "fresh.conf", tmp_path / "same.conf"
    kept.write_bytes(b"old \xff bytes\n")
    kept.chmod(0o600)
    same.write_bytes(b"same\n")
    same.chmod(0o644)
    # As root, as the whole suite runs (README): the owner steps chown to root.
    files = [rendered(str(kept), b"new\n", on_change=None),
             rendered(str(fresh), b"new\n", on_change=None), rendered(str(same), b"same\n", on_change=None)]
    with LocalTransport("here") as transport:
        states = read_file_states(transport, [file.path for file in files])
        previous = read_previous(transport, files, states)
        assert [file.path for file in previous] == [str(kept), str(fresh)]  # same.conf does not change
        for step in file_steps(files, states):
            run_step(transport, step)
        assert kept.read_bytes() == b"new\n" and fresh.exists()
        for step in restore_steps(previous):
            run_step(transport, step)
    assert kept.read_bytes() == b"old \xff bytes\n" and oct(kept.stat().st_mode & 0o777) == "0o600"
    assert not fresh.exists() and same.read_bytes() == b"same\n"
