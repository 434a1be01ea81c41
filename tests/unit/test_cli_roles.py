"""Roles through the CLI on the local connection: plan shows the files and hooks, deploy writes them
once (mode, handler, hooks), a second deploy changes nothing, a broken role is exit 2 on one line."""

import json
import textwrap

import pytest
from click.testing import CliRunner

from fleetctl.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def site(tmp_path):
    """A role-only local host whose role `site` writes a file under tmp_path and logs its handler and hooks."""
    role = tmp_path / "roles" / "site"
    (role / "templates").mkdir(parents=True)
    (role / "defaults.yaml").write_text("site_port: 8080\nsite_dir: /nonexistent\n")
    (role / "templates.yaml").write_text(textwrap.dedent("""\
        - src: site.conf.j2
          dest: "{{ site_dir }}/site.conf"
          mode: "0640"
          on_change: "echo reloaded >> {{ site_dir | quote }}/log"
        """))
    (role / "templates" / "site.conf.j2").write_text("host {{ inventory_hostname }} port {{ site_port }}\n")
    (role / "hooks.yaml").write_text(textwrap.dedent("""\
        before_host:
          - [sh, -c, 'echo "before_host $FLEET_HOST" >> "$0"/log', "{{ site_dir }}"]
        """))
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(textwrap.dedent(f"""\
        all:
          hosts:
            here:
              ansible_connection: local
              fleet_roles: [site]
              site_dir: {tmp_path / 'out'}
        """))
    (tmp_path / "out").mkdir()
    return inventory, tmp_path / "out"


def test_plan_shows_the_roles_files_and_hooks(site):
    inventory, out = site
    result = invoke("plan", str(inventory), "--json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["roles"] == ["site"]
    assert row["deploy"]["steps"] == [
        f"write {out}/site.conf (mode 0640, 20 bytes of content)",
        f"sh -c 'echo reloaded >> {out}/log'",
    ]
    assert row["deploy"]["hooks"] == {
        "before_host": [f"before_host on here: sh -c 'echo \"before_host $FLEET_HOST\" >> \"$0\"/log' {out} (role site)"]}
    assert not (out / "site.conf").exists()  # plan changes nothing


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


def test_a_template_that_cannot_render_is_exit_2_before_any_host(site):
    inventory, out = site
    (inventory.parent / "roles" / "site" / "templates" / "site.conf.j2").write_text("{{ nope }}\n")
    result = invoke("plan", str(inventory))
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: host here: role site: templates/site.conf.j2: 'nope' is undefined"
