"""The ad-hoc command as data (quoted words, or one string for sh -c), and the summary of how it ended per host."""

import pytest

from fleetctl.adhoc import AdHocCommand, HostRun, outcome, summary
from fleetctl.domain import CommandResult
from fleetctl.errors import InputError


def test_a_program_and_its_arguments_run_as_they_are_quoted_for_the_host():
    command = AdHocCommand.of(["printf", "%s\n", "a b", "$(id)", ";", "it's"])
    assert command.argv == ["printf", "%s\n", "a b", "$(id)", ";", "it's"]
    assert command.shown() == "printf '%s\n' 'a b' '$(id)' ';' 'it'\"'\"'s'"


def test_with_shell_one_string_runs_by_sh_c_and_become_puts_sudo_before_it():
    command = AdHocCommand.of(["cd /tmp && ls | wc -l"], shell=True, become=True)
    assert command.argv == ["sh", "-c", "cd /tmp && ls | wc -l"]
    assert command.shown() == "sudo -n -- sh -c 'cd /tmp && ls | wc -l'"


def test_no_command_or_a_shell_command_in_several_words_is_an_input_error():
    with pytest.raises(InputError, match=r"^no command: fleetctl exec INVENTORY -- COMMAND"):
        AdHocCommand.of([])
    with pytest.raises(InputError, match=r"^--shell runs one string by sh -c; got 2 arguments"):
        AdHocCommand.of(["echo", "hi"], shell=True)


def run(host: str, result: CommandResult, exit_code: int | None, error: str | None = None) -> HostRun:
    return HostRun(host, result, exit_code, "", "", 0.1, error)


def test_the_summary_groups_hosts_by_exit_code_then_unfinished_then_unreachable():
    runs = [
        run("web1", CommandResult.FAILED, 12),
        run("web2", CommandResult.OK, 0),
        run("pi1", CommandResult.UNREACHABLE, None, "pi1: connection refused at 10.0.0.9:22"),
        run("web3", CommandResult.FAILED, 2),
        run("web4", CommandResult.FAILED, None, "web4: timed out after 5s"),
        run("web5", CommandResult.OK, 0),
    ]
    assert summary(runs) == [("exit 0", ["web2", "web5"]), ("exit 2", ["web3"]), ("exit 12", ["web1"]),
                             ("did not finish", ["web4"]), ("unreachable", ["pi1"])]
    assert [outcome(item) for item in runs[:3]] == ["exit 12", "exit 0", "unreachable"]


def test_only_ok_is_ok():
    assert [result for result in CommandResult if result.ok] == [CommandResult.OK]
