"""`fleetctl deploy`, `fleetctl rollback`, `fleetctl status` and `fleetctl unlock`."""

import json
import sys
import threading
from pathlib import Path

import click
from rich import box
from rich.live import Live
from rich.table import Table

from fleetctl.build.cache import ArtifactCache
from fleetctl.build.errors import BuildFailed
from fleetctl.cli.common import (
    EXIT_HOST_FAILED, bad_input, command_connections, err, forks_option, inventory_argument, is_interactive,
    limit_option, limited, load_selection, out, read_inventory, select_hosts, tofu_option,
)
from fleetctl.deploy.lock import this_process
from fleetctl.domain import HostResult
from fleetctl.errors import InputError
from fleetctl.facts.probecache import ProbeCache
from fleetctl.plan import DeployRefused, Jobs, build_hosts_for, build_jobs
from fleetctl.roles.render import inventory_roles
from fleetctl.rollout import record as records
from fleetctl.rollout.hooks import rollout_hooks
from fleetctl.rollout.lock import unlock_hosts
from fleetctl.rollout.run import Rollout, RolloutResult
from fleetctl.status import fleet_status


class Progress:
    """Each host's current step: a live table on a terminal, one line per step otherwise (CI logs)."""

    def __init__(self, hosts: list[str]):
        self.steps = {host: "waiting" for host in hosts}
        self.lock = threading.Lock()
        self.live = Live(self._table(), console=err(), refresh_per_second=8, transient=True) if is_interactive() else None

    def _table(self) -> Table:
        table = Table("host", "step", box=box.SIMPLE_HEAD, title="rollout", title_justify="left")
        for host, step in self.steps.items():
            table.add_row(host, step)
        return table

    def report(self, host: str, what: str) -> None:
        with self.lock:
            self.steps[host] = what
            if self.live:
                self.live.update(self._table())
            else:
                err().print(f"{host}: {what}", markup=False, highlight=False, soft_wrap=True)

    def confirm_batch(self, number: int, total: int, hosts: list[str]) -> bool:
        """--step: ask on the terminal whether to go on with the batch (the live table stops meanwhile)."""
        with self.lock:
            if self.live:
                self.live.stop()
            try:
                return click.confirm(f"batch {number} of {total}: {', '.join(hosts)}; go ahead?", default=False,
                                     err=True)
            finally:
                if self.live:
                    self.live.start()

    def __enter__(self):
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc_info):
        if self.live:
            self.live.__exit__(*exc_info)


def summary_table(result: RolloutResult, title: str) -> Table:
    table = Table("host", "release", "mode", "workers", "result", "time", "detail", box=box.SIMPLE_HEAD,
                  title=title, title_justify="left")
    style = {HostResult.DEPLOYED: "green", HostResult.UNCHANGED: "dim", HostResult.ROLLED_BACK: "yellow",
             HostResult.FAILED: "red"}
    for outcome in result.outcomes + result.aborted_rollbacks:
        table.add_row(outcome.host, f"{outcome.from_release or '-'} -> {outcome.to_release or '-'}", outcome.mode_shown,
                      str(outcome.workers), f"[{style.get(outcome.result, '')}]{outcome.result}[/]",
                      f"{outcome.seconds:.1f}s", outcome.detail)
    for host in result.not_started:
        table.add_row(host, "", "", "", "not started", "", "")
    return table


def result_document(result: RolloutResult, builds: dict | None = None) -> dict:
    return {**result.to_dict(), "builds": builds or {}}


def builds_document(jobs: Jobs) -> dict:
    """Release id -> what this deploy built (platform, builder, seconds): empty when all came from the cache."""
    return {built.plan.app.id: list(built.built) for built in jobs.builds.values()}


def _rollout(inventory: Path, limit: str | None, forks: int, as_json: bool, trust_on_first_use: bool,
             force_unlock: bool, label: str | None, resume: bool, abort_rolls_back: bool, step: bool,
             rollback: bool = False, rollback_to: str | None = None) -> None:
    command = "rollback" if rollback else "deploy"
    if step and not sys.stdin.isatty():
        raise bad_input("--step confirms each batch on a terminal, and standard input is not one")
    try:
        loaded = read_inventory(inventory)
        hosts = limited(loaded, limit)
        hooks = rollout_hooks(hosts)
        connect_to = command_connections(loaded, trust_on_first_use)
        prepared = build_jobs(hosts, inventory_roles(loaded, hosts), label, forks, trust_on_first_use,
                              rollback=rollback, rollback_to=rollback_to, probe_cache=ProbeCache(),
                              build_hosts=build_hosts_for(loaded, hosts), connect=connect_to,
                              artifact_cache=ArtifactCache.configured(),
                              progress=lambda message: err().print(message, markup=False, highlight=False))
    except InputError as error:
        raise bad_input(str(error)) from None
    except (DeployRefused, BuildFailed) as error:  # before any host was changed
        for line in str(error).splitlines():
            err().print(f"Error: {line}", markup=False, highlight=False, soft_wrap=True)
        raise click.exceptions.Exit(EXIT_HOST_FAILED) from None
    jobs = prepared.jobs
    release_ids = sorted({job.desired.release_id for job in jobs if job.desired})
    record = records.RolloutRecord(str(inventory), command, ",".join(release_ids) or None)
    if resume:
        previous = records.load(inventory)
        if previous is None or previous.finished:
            raise bad_input(f"{inventory}: no interrupted rollout to resume")
        if previous.command != command or previous.release != record.release:
            raise bad_input(f"{inventory}: the interrupted rollout was a {previous.command} of "
                            f"{previous.release}; this would be a {command} of {record.release}")
        record = previous
        jobs = [job for job in jobs if job.name not in previous.done_hosts()]
    with Progress([job.name for job in jobs]) as progress:
        rollout = Rollout(jobs, connect_to, this_process(), progress.report, forks, force_unlock, record,
                          confirm_batch=progress.confirm_batch if step else None, hooks=hooks,
                          about={"command": command, "inventory": str(inventory.resolve()), "releases": release_ids})
        result = rollout.run(abort_rolls_back=abort_rolls_back)
    if as_json:
        click.echo(json.dumps(result_document(result, builds_document(prepared)), indent=2))
    else:
        out().print(summary_table(result, f"fleetctl {command}"))
        if result.stopped:
            err().print(f"[red]rollout stopped:[/] {result.stopped}")
        for failure in result.hook_failures:
            err().print(failure, style="red", markup=False, highlight=False)
    if not result.ok or result.hook_failures:
        raise click.exceptions.Exit(EXIT_HOST_FAILED)


json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (for CI).")
force_unlock_option = click.option("--force-unlock", is_flag=True,
                                   help="Break another rollout's locks on the hosts, even live ones (when that "
                                        "rollout is known to be gone).")
abort_option = click.option("--abort-rolls-back", is_flag=True,
                            help="When the rollout stops, also return the hosts it upgraded to their previous release.")
step_option = click.option("--step", is_flag=True,
                           help="Confirm each batch on the terminal before it starts (refused without one).")


@click.command("deploy")
@inventory_argument
@limit_option
@forks_option
@json_option
@click.option("--version-label", "label", metavar="LABEL", help="Name the release LABEL instead of its content hash.")
@click.option("--resume", is_flag=True, help="Continue the interrupted rollout of this inventory where it stopped.")
@abort_option
@step_option
@force_unlock_option
@tofu_option
def deploy_command(inventory: Path, limit: str | None, forks: int, as_json: bool, label: str | None, resume: bool,
                   abort_rolls_back: bool, step: bool, force_unlock: bool, trust_on_first_use: bool) -> None:
    """Deploy the app and the hosts' roles, batch by batch, each host gated on its health.

    First, before any host is changed, each release is built once per platform where the
    artifact cache lacks it (hosts never run npm). Hosts with roles and no app (load
    balancers) go first.
    """
    _rollout(inventory, limit, forks, as_json, trust_on_first_use, force_unlock, label, resume, abort_rolls_back,
             step)


@click.command("rollback")
@inventory_argument
@limit_option
@forks_option
@json_option
@click.option("--to", "to_release", metavar="RELEASE", help="Release to return to (default: each host's previous one).")
@abort_option
@step_option
@force_unlock_option
@tofu_option
def rollback_command(inventory: Path, limit: str | None, forks: int, as_json: bool, to_release: str | None,
                     abort_rolls_back: bool, step: bool, force_unlock: bool, trust_on_first_use: bool) -> None:
    """Return every host to its previous release (or --to RELEASE), rolling, with the same batches and gates."""
    _rollout(inventory, limit, forks, as_json, trust_on_first_use, force_unlock, None, False, abort_rolls_back,
             step, rollback=True, rollback_to=to_release)


@click.command("status")
@inventory_argument
@limit_option
@forks_option
@json_option
@tofu_option
def status_command(inventory: Path, limit: str | None, forks: int, as_json: bool, trust_on_first_use: bool) -> None:
    """Per host with an app: the service's state, current release, mode, workers alive/expected, restarts, uptime
    and whether its socket listens."""
    hosts = [host for host in select_hosts(inventory, limit) if host.app]
    if not hosts:
        raise bad_input(f"{inventory}: no selected host has an app (fleet_app_name)")
    rows = fleet_status(hosts, forks, trust_on_first_use)
    if as_json:
        click.echo(json.dumps([row.to_dict() for row in rows], indent=2))
    else:
        table = Table("host", "service", "release", "mode", "workers", "restarts", "uptime", "socket",
                      box=box.SIMPLE_HEAD, title="fleetctl status", title_justify="left")
        for row in rows:
            if row.error:
                table.add_row(row.host, f"[red]{row.error}[/]", "", "", "", "", "", "")
                continue
            workers = f"{row.workers_alive}/{row.workers_expected}" if row.workers_expected else "-"
            uptime = f"{row.uptime_s:.0f}s" if row.uptime_s is not None else "-"
            table.add_row(row.host, row.service, row.release or "-", row.mode or "-", workers,
                          str(row.restarts if row.restarts is not None else "-"), uptime, row.socket or "-")
        out().print(table)
    if any(row.error or not row.service.startswith("active") for row in rows):
        raise click.exceptions.Exit(EXIT_HOST_FAILED)


@click.command("unlock")
@inventory_argument
@limit_option
@forks_option
@click.option("--force", is_flag=True, help="Also remove locks whose lease is still being renewed.")
@tofu_option
def unlock_command(inventory: Path, limit: str | None, forks: int, force: bool, trust_on_first_use: bool) -> None:
    """Remove the deploy locks a gone rollout left on the hosts, saying whose they were.

    A lock whose owner's lease ran out, or whose owner was a dead process of this machine,
    is removed; a live one (its lease still renewed) only with --force.
    """
    loaded, hosts = load_selection(inventory, limit)
    rows = unlock_hosts(hosts, command_connections(loaded, trust_on_first_use), force, forks)
    table = Table("host", "lock held by", "result", box=box.SIMPLE_HEAD, title="fleetctl unlock", title_justify="left")
    for row in rows:
        table.add_row(row.host, row.holder or "-", row.detail)
    out().print(table)
    if not all(row.ok for row in rows):
        raise click.exceptions.Exit(EXIT_HOST_FAILED)
