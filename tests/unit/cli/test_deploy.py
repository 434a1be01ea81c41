"""The deploy command on the local connection: a role-only host's files written once (mode, handler, hooks),
a second deploy changes nothing."""

import json
import textwrap

from click.testing import CliRunner

from fleetctl.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_deploy_writes_once_then_changes_nothing(site):
    # As root, as the whole suite runs (README): a role-only host's deploy lock is /var/lib/fleetctl.
    inventory, out = site
    first = invoke("deploy", str(inventory), "--json")
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["hosts"][0]["result"] == "deployed"
    assert (out / "site.conf").read_text() == "host here port 8080\n"
    assert oct((out / "site.conf").stat().st_mode & 0o777) == "0o640"
    assert (out / "log").read_text() == "before_host here\nreloaded\n"
    second = invoke("deploy", str(inventory), "--json")
    assert json.loads(second.stdout)["hosts"][0]["result"] == "unchanged"
    assert (out / "log").read_text() == "before_host here\nreloaded\n"  # no hook, no handler
    (out / "site.conf").chmod(0o644)
    third = invoke("deploy", str(inventory), "--json")
    assert json.loads(third.stdout)["hosts"][0]["result"] == "deployed"
    assert oct((out / "site.conf").stat().st_mode & 0o777) == "0o640"


def test_a_failing_role_host_still_runs_the_cleanup_of_what_its_hooks_did(site):
    inventory, out = site
    role = inventory.parent / "roles" / "site"
    (role / "hooks.yaml").write_text(textwrap.dedent("""\
        before_switch:
          - [sh, -c, 'echo drained >> "$0"/log', "{{ site_dir }}"]
        after_host:
          - command: [sh, -c, 'echo undrained >> "$0"/log', "{{ site_dir }}"]
            undoes: before_switch
        """))
    templates = (role / "templates.yaml").read_text()
    (role / "templates.yaml").write_text(templates.replace('on_change: "echo reloaded', 'on_change: "exit 4; echo'))
    result = invoke("deploy", str(inventory), "--json")
    assert result.exit_code == 1
    [row] = json.loads(result.stdout)["hosts"]
    assert row["result"] == "failed" and row["detail"].startswith("on_change of role site: ")
    assert (out / "log").read_text() == "drained\nundrained\n"
