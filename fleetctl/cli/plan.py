"""`fleetctl plan` and `fleetctl facts`: probe hosts and show what they are and how the app will run."""

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fleetctl.cli.common import (
    EXIT_CHANGES_PENDING, EXIT_HOST_FAILED, bad_input, command_connections, err, forks_option, inventory_argument,
    is_interactive, limit_option, load_selection, out, select_hosts, tofu_option,
)
from fleetctl.build.cache import ArtifactCache
from fleetctl.build.errors import BuildFailed
from fleetctl.domain import ReleaseAction
from fleetctl.errors import InputError
from fleetctl.facts import probe_hosts
from fleetctl.facts.probecache import ProbeCache
from fleetctl.plan import HostPlan, build_hosts_for, plan, read_releases, rollout_hosts
from fleetctl.plan.hosts import service_slices
from fleetctl.roles.render import inventory_roles

if TYPE_CHECKING:
    from rich.table import Table


def _probe_progress(total: int):
    """A progress bar on stderr while hosts are probed; returns (progress, callback)."""
    # No bar when stderr is not a terminal (CI logs, --json into a file): nobody
    # sees it, and its refresh thread would take CPU from the probes.
    if not is_interactive():
        return contextlib.nullcontext(), None
    from rich.progress import Progress

    progress = Progress(console=err(), transient=True)
    task = progress.add_task("probing hosts", total=total)
    return progress, lambda _result: progress.advance(task)


@click.command("plan")
@inventory_argument
@limit_option
@forks_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (one object per host).")
@click.option("--units", is_flag=True, help="Also print each host's rendered systemd units (service and socket).")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when a deploy would change nothing, 2 when it would change something, 1 on any error "
                   "(a host failed, or bad input).")
@tofu_option
def plan_command(inventory: Path, limit: str | None, forks: int, as_json: bool, units: bool, detailed_exitcode: bool,
                 trust_on_first_use: bool) -> None:
    """Probe every host and show how the app would run there and why, the artifact each would get
    (cached, or built where), and what a deploy would change, with a diff of every file it would write.

    Changes nothing.
    """
    try:
        rows = _plan(inventory, limit, forks, as_json, units, trust_on_first_use)
    except click.exceptions.Exit as done:
        # With --detailed-exitcode, 2 means changes are pending: bad input exits 1, as any error does.
        raise click.exceptions.Exit(EXIT_HOST_FAILED if detailed_exitcode and done.exit_code else done.exit_code)
    if not all(row.ok for row in rows):
        raise click.exceptions.Exit(EXIT_HOST_FAILED)
    if detailed_exitcode and any(row.changes is not None and not row.changes.unchanged for row in rows):
        raise click.exceptions.Exit(EXIT_CHANGES_PENDING)


def _plan(inventory: Path, limit: str | None, forks: int, as_json: bool, units: bool,
          trust_on_first_use: bool) -> list[HostPlan]:
    loaded, hosts = load_selection(inventory, limit)
    progress, advance = _probe_progress(len(hosts))
    try:
        build_hosts = build_hosts_for(loaded, hosts)
        hosts = rollout_hosts(hosts, frozenset(host.name for host in build_hosts))
        roles = inventory_roles(loaded, hosts)
        releases = read_releases(hosts)
        with progress:
            rows = plan(hosts, forks=forks, trust_on_first_use=trust_on_first_use, on_probed=advance,
                        releases=releases, probe_cache=ProbeCache(), roles=roles, build_hosts=build_hosts,
                        artifact_cache=ArtifactCache.configured(),
                        connect=command_connections(loaded, trust_on_first_use))
    except InputError as error:
        raise bad_input(str(error)) from None
    except BuildFailed as error:  # npm could not resolve the release's dependencies on this machine
        err().print(f"Error: {error}", markup=False, highlight=False, soft_wrap=True)
        raise click.exceptions.Exit(EXIT_HOST_FAILED) from None
    if as_json:
        click.echo(json.dumps([row.to_dict() for row in rows], indent=2))
    else:
        out().print(plan_table(rows))
        print_reasons(rows)
        print_releases(rows)
        print_changes(rows)
        if units:
            _print_units(rows)
    return rows


def plan_table(rows: list[HostPlan]) -> "Table":
    from rich import box
    from rich.table import Table

    table = Table(title="fleetctl plan", title_justify="left", box=box.SIMPLE_HEAD,
                  caption="CPUs: effective/online; mem: effective MiB", caption_justify="left")
    table.add_column("host", no_wrap=True)
    for header in ("kind", "arch", "CPUs", "mem", "mode", "workers", "sched"):
        table.add_column(header, no_wrap=True)
    for row in rows:
        if row.facts is None or row.decision is None:
            table.add_row(row.host, row.facts.kind if row.facts else "-", "", "", "", "[red]failed[/]", "", "")
            continue
        facts, decision = row.facts, row.decision
        table.add_row(
            row.host, facts.kind, facts.arch, f"{facts.cpus_effective:g}/{facts.cpus_online}",
            str(facts.memory_effective_mb), decision.mode, str(decision.workers), decision.scheduling or "-",
        )
    return table


def print_reasons(rows: list[HostPlan]) -> None:
    """Why each host is what it is and runs as it does (or why it failed), one host per paragraph."""
    for row in rows:
        if row.facts is None or row.decision is None:
            out().print(f"[bold]{row.host}[/]: [red]{row.error}[/]", highlight=False)
            continue
        out().print(f"[bold]{row.host}[/]: {row.facts.kind} ({row.facts.kind_evidence}); "
                  f"{row.decision.reason}", highlight=False)


def print_releases(rows: list[HostPlan]) -> None:
    """Per release, per platform: the artifact its hosts get, cached or built where."""
    seen = []
    for row in rows:
        if row.release_plan is not None and all(row.release_plan is not other for other in seen):
            seen.append(row.release_plan)
    for release_plan in seen:
        app, artifacts = release_plan.app, release_plan.artifacts
        what = (f"native addons ({', '.join(artifacts.native)}): one artifact per platform" if artifacts.native
                else "no native addons: one artifact for every platform")
        out().print(f"\n[bold]release {app.id}[/] ({app.source.folder}): {what}", highlight=False)
        for artifact in artifacts.artifacts:
            out().print(f"  - {artifact.label}: {artifact.describe()} (hosts: {', '.join(artifact.hosts)})",
                        markup=False, highlight=False)


def print_changes(rows: list[HostPlan]) -> None:
    """What `fleetctl deploy` would do on each host: the release, reload or restart, each step, and the diff of
    every file it would write (the environment file's values masked)."""
    for row in rows:
        changes = row.changes
        if changes is None:
            continue
        roles = f" (roles: {', '.join(row.roles.roles)})" if row.roles.roles else ""
        if changes.unchanged:
            what = f"release {row.release_id} runs there" if row.release_id else "its roles' files are in place"
            out().print(f"\n[bold]{row.host}[/]{roles}: deploy would change nothing ({what})", highlight=False)
            continue
        if row.release_id is None:
            out().print(f"\n[bold]{row.host}[/]{roles}: deploy would update its roles' files", highlight=False)
        else:
            release = {ReleaseAction.UPLOAD: f"upload and switch to release {row.release_id}",
                       ReleaseAction.SWITCH: f"switch to release {row.release_id} (already on the host)",
                       ReleaseAction.NONE: f"keep release {row.release_id}"}[changes.release_action]
            out().print(f"\n[bold]{row.host}[/]{roles}: deploy would {release}, then {changes.activation}",
                      highlight=False)
        for step in changes.steps:
            out().print(f"  - {step.summary}: {step.display()}", markup=False, highlight=False)
        for hooks in row.roles.hooks.values():
            for hook in hooks:
                out().print(f"  - hook {hook.display(row.host)}", markup=False, highlight=False)
        for diff in changes.diffs:
            out().print(diff.diff.rstrip("\n"), markup=False, highlight=False)


def _print_units(rows: list[HostPlan]) -> None:
    for row in rows:
        if row.unit is None:
            note = row.error or "no fleet_app_name set, so no unit"
            out().print(f"\n# {row.host}: {note}", markup=False)
        else:
            out().print(f"\n# {row.host}\n{row.unit}", markup=False, highlight=False)
            if row.socket_unit is not None:
                out().print(f"# {row.host}: its socket unit\n{row.socket_unit}", markup=False, highlight=False)


@click.command("facts")
@inventory_argument
@limit_option
@forks_option
@click.option("--raw", is_flag=True, help="Include each host's raw probe output.")
@tofu_option
def facts_command(inventory: Path, limit: str | None, forks: int, raw: bool, trust_on_first_use: bool) -> None:
    """Print each host's parsed facts as JSON (and, with --raw, the probe's output)."""
    hosts = select_hosts(inventory, limit)
    results = probe_hosts([host.connection for host in hosts], forks=forks, trust_on_first_use=trust_on_first_use,
                          probe_cache=ProbeCache(), slices=service_slices(hosts))
    document = []
    for result in results:
        entry = {"host": result.name, "facts": result.facts.to_dict() if result.facts else None, "error": result.error}
        if raw:
            entry["raw"] = result.raw
        document.append(entry)
    click.echo(json.dumps(document, indent=2))
    if not all(result.ok for result in results):
        raise click.exceptions.Exit(EXIT_HOST_FAILED)
