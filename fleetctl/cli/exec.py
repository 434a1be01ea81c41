"""`fleetctl exec`: an ad-hoc command on every selected host, its output grouped per host, then a summary."""

import json
import threading
from pathlib import Path

import click

from fleetctl.adhoc import DEFAULT_TIMEOUT, AdHocCommand, HostRun, outcome, run_everywhere, summary
from fleetctl.cli.common import (
    EXIT_HOST_FAILED, bad_input, forks_option, inventory_argument, limit_option, load_selection, tofu_option,
)
from fleetctl.domain import CommandResult
from fleetctl.errors import InputError

RESULT_COLOURS = {CommandResult.OK: "green", CommandResult.FAILED: "red", CommandResult.UNREACHABLE: "magenta"}


def host_header(run: HostRun) -> str:
    """`web1 | ok | exit 0 | 0.2s`; an unreachable host is this one line, with why."""
    if run.error:
        return f"{run.host} | {run.result} | {run.error}"
    return f"{run.host} | {run.result} | {outcome(run)} | {run.seconds:.1f}s"


def print_run(run: HostRun) -> None:
    """A host's header, then its stdout, then its stderr, each ending with a newline."""
    click.echo(click.style(host_header(run), fg=RESULT_COLOURS[run.result], bold=True))
    for text in (run.stdout, run.stderr):
        if text:
            click.echo(text, nl=not text.endswith("\n"))


def summary_lines(runs: list[HostRun]) -> list[str]:
    groups = summary(runs)
    width = max(len(word) for word, _ in groups)
    return [f"{word:<{width}}  {len(hosts):>4}  {', '.join(hosts)}" for word, hosts in groups]


class CommandAfterDoubleDash(click.Command):
    """Remembers whether the arguments had `--`: without it, an option of the command (`ls -l`) would be taken
    as fleetctl's own (`-l`, --limit)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["double_dash"] = "--" in args
        return super().parse_args(ctx, args)


@click.command("exec", cls=CommandAfterDoubleDash)
@inventory_argument
@click.argument("command", nargs=-1, metavar="-- COMMAND [ARGUMENT]...")
@limit_option
@forks_option
@click.option("--become", "-b", is_flag=True,
              help="Run it through sudo -n, as root (without it: as the login user, whatever ansible_become says).")
@click.option("--shell", is_flag=True,
              help="COMMAND is one string for sh -c: pipes, redirections, variables and ; work.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT, show_default=True,
              metavar="SECONDS", help="A host whose command runs longer has failed.")
@click.option("--json", "as_json", is_flag=True,
              help="Print {ok, command, hosts: [{host, result, exit_code, stdout, stderr, seconds, error}]}.")
@tofu_option
def exec_command(inventory: Path, command: tuple[str, ...], limit: str | None, forks: int, become: bool, shell: bool,
                 timeout: float, as_json: bool, trust_on_first_use: bool) -> None:
    """Run COMMAND on every selected host (after --, so that its options are its own).

    Each argument reaches the host as typed: quoted, no shell sees it ($, ;, quotes and spaces included),
    unless --shell. The output is grouped per host as each host finishes, then a summary of the exit codes.
    Exit code 1 when a host failed: a non-zero exit, a timeout, or unreachable (one line each).
    """
    if command and not click.get_current_context().meta["double_dash"]:
        raise bad_input("put the command after --: fleetctl exec INVENTORY [OPTIONS] -- COMMAND [ARGUMENT]...")
    _, hosts = load_selection(inventory, limit)
    try:
        adhoc = AdHocCommand.of(command, shell=shell, become=become)
    except InputError as error:
        raise bad_input(str(error)) from None
    lock = threading.Lock()

    def print_as_done(run: HostRun) -> None:
        with lock:
            print_run(run)

    runs = run_everywhere(hosts, adhoc, forks, timeout, trust_on_first_use, None if as_json else print_as_done)
    ok = all(run.result.ok for run in runs)
    if as_json:
        click.echo(json.dumps({"ok": ok, "command": adhoc.shown(), "hosts": [run.to_dict() for run in runs]},
                              indent=2))
    elif runs:
        click.echo()
        for line in summary_lines(runs):
            click.echo(line)
    if not ok:
        raise click.exceptions.Exit(EXIT_HOST_FAILED)
