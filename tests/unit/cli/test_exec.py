"""`fleetctl exec` on the local connection: real commands, quoting a shell would break on, --shell, --become,
exit codes, the grouped output and its summary, --json, an unreachable host."""

import json
import os
import textwrap

import pytest
from click.testing import CliRunner

from fleetctl.cli import main

AWKWARD = ["a b", "it's", '"double"', "$HOME", "a;b", "$(touch pwned)", "`touch pwned`", "*", "", "-n"]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def inventory(tmp_path):
    """Two hosts on the local connection, and one whose SSH port nothing listens on."""
    path = tmp_path / "inventory.yaml"
    path.write_text(textwrap.dedent("""\
        all:
          hosts:
            here: {ansible_connection: local}
            there: {ansible_connection: local}
            nowhere: {ansible_host: 127.0.0.1, ansible_port: 1, fleet_known_hosts_file: /dev/null}
        """))
    return path


def test_arguments_reach_the_command_as_typed_and_nothing_in_them_runs(inventory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("exec", str(inventory), "--limit", "here", "--json", "--", "printf", "[%s]\\n", *AWKWARD)
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["hosts"]
    assert row["stdout"] == "".join(f"[{word}]\n" for word in AWKWARD)
    assert not (tmp_path / "pwned").exists()


def test_with_shell_the_string_is_a_shell_command(inventory):
    result = invoke("exec", str(inventory), "--limit", "here", "--json", "--shell", "--",
                    "echo one | tr a-z A-Z; echo $((2 + 3)) >&2; exit 4")
    document = json.loads(result.stdout)
    assert result.exit_code == 1 and document["ok"] is False
    assert document["command"] == "sh -c 'echo one | tr a-z A-Z; echo $((2 + 3)) >&2; exit 4'"
    assert {key: document["hosts"][0][key] for key in ("result", "exit_code", "stdout", "stderr", "error")} == {
        "result": "failed", "exit_code": 4, "stdout": "ONE\n", "stderr": "5\n", "error": None}


def test_become_runs_it_as_root(inventory):
    if os.geteuid() != 0:
        pytest.skip("the suite runs as root (README)")
    result = invoke("exec", str(inventory), "--limit", "here", "--become", "--json", "--", "id", "-u")
    assert json.loads(result.stdout)["hosts"][0]["stdout"] == "0\n"


def test_output_is_grouped_per_host_then_a_summary_of_exit_codes_and_unreachable_is_one_line(inventory):
    result = invoke("exec", str(inventory), "--forks", "1", "--", "sh", "-c", 'echo out; echo err >&2')
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    here = lines.index(next(line for line in lines if line.startswith("here | ok | exit 0 | ")))
    assert lines[here + 1:here + 3] == ["out", "err"]
    unreachable = [line for line in lines if line.startswith("nowhere | ")]
    assert unreachable == ["nowhere | unreachable | nowhere: connection refused at 127.0.0.1:1"]
    assert lines[-2:] == ["exit 0          2  here, there", "unreachable     1  nowhere"]


def test_a_failing_host_fails_the_command_and_the_others_still_show(inventory, tmp_path):
    # Both local hosts are this machine: the first to make the folder (mkdir is atomic) fails.
    result = invoke("exec", str(inventory), "--limit", "here,there", "--json", "--shell", "--",
                    f'mkdir {tmp_path / "first"} 2>/dev/null && exit 3; echo fine')
    rows = {row["host"]: row for row in json.loads(result.stdout)["hosts"]}
    assert result.exit_code == 1
    assert sorted((row["result"], row["exit_code"]) for row in rows.values()) == [("failed", 3), ("ok", 0)]


def test_a_command_running_past_the_timeout_did_not_finish(inventory):
    result = invoke("exec", str(inventory), "--limit", "here", "--timeout", "0.3", "--json", "--", "sleep", "10")
    (row,) = json.loads(result.stdout)["hosts"]
    assert result.exit_code == 1
    assert (row["result"], row["exit_code"], row["error"]) == ("failed", None, "here: timed out after 0.3s")


def test_a_command_must_come_after_the_double_dash(inventory):
    # Without --, `ls -l` would give fleetctl a --limit of its own.
    result = invoke("exec", str(inventory), "ls", "-la")
    assert result.exit_code == 2
    assert result.stderr == ("Error: put the command after --: fleetctl exec INVENTORY [OPTIONS] -- COMMAND"
                             " [ARGUMENT]...\n")


@pytest.mark.parametrize("args, message", [
    ((), "no command: fleetctl exec INVENTORY -- COMMAND [ARGUMENT]..."),
    (("--shell", "--", "echo", "hi"), "--shell runs one string by sh -c; got 2 arguments"),
])
def test_a_missing_or_ambiguous_command_is_bad_input_and_runs_nothing(inventory, args, message):
    result = invoke("exec", str(inventory), *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {message}")


def test_a_bad_limit_is_bad_input(inventory):
    result = invoke("exec", str(inventory), "--limit", "nosuch", "--", "true")
    assert result.exit_code == 2 and "nosuch" in result.stderr and result.stdout == ""
