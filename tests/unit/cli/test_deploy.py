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


def test_step_is_refused_without_a_terminal_before_any_host_is_contacted(site):
    inventory, out = site
    result = invoke("deploy", str(inventory), "--step")
    assert result.exit_code == 2
    assert "--step confirms each batch on a terminal" in result.stderr
    assert list(out.iterdir()) == []


def test_batches_are_paced_by_fleet_batch_pause(site):
    inventory, out = site
    inventory.write_text(textwrap.dedent(f"""\
        all:
          vars: {{fleet_roles: [site], fleet_serial: 1, fleet_batch_pause: 1.5, ansible_connection: local}}
          hosts:
            one: {{site_dir: {out / 'one'}}}
            two: {{site_dir: {out / 'two'}}}
        """))
    role = inventory.parent / "roles" / "site"
    (role / "hooks.yaml").write_text(textwrap.dedent("""\
        before_host:
          - [sh, -c, 'date +%s.%N > "$0"/started', "{{ site_dir }}"]
        after_host:
          - [sh, -c, 'date +%s.%N > "$0"/finished', "{{ site_dir }}"]
        """))
    for name in ("one", "two"):
        (out / name).mkdir()
    result = invoke("deploy", str(inventory), "--json")
    assert result.exit_code == 0, result.stderr
    gap = float((out / "two" / "started").read_text()) - float((out / "one" / "finished").read_text())
    assert gap >= 1.5
    assert "waiting 1.5 s between batches (fleet_batch_pause)" in result.stderr


def test_abort_rolls_back_puts_back_the_role_files_the_rollout_changed(site):
    inventory, out = site
    inventory.write_text(textwrap.dedent(f"""\
        all:
          vars: {{fleet_roles: [site], fleet_serial: 1, ansible_connection: local}}
          hosts:
            one: {{site_dir: {out / 'one'}}}
            two: {{site_dir: {out / 'two'}, fleet_hooks: {{before_host: ["exit 3"]}}}}
        """))
    (out / "one").mkdir()
    (out / "two").mkdir()
    (out / "one" / "site.conf").write_text("as it was\n")
    result = invoke("deploy", str(inventory), "--json", "--abort-rolls-back")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [row["result"] for row in document["hosts"]] == ["deployed", "failed"]
    [back] = document["abort_rollbacks"]
    assert (back["host"], back["result"]) == ("one", "deployed")
    assert back["detail"] == "roles site: 1 file(s) put back as they were, 3 step(s)"
    assert (out / "one" / "site.conf").read_text() == "as it was\n"
    assert (out / "one" / "log").read_text() == "before_host one\nreloaded\nbefore_host one\nreloaded\n"


def test_the_rollouts_hooks_get_its_result_and_before_rollout_can_refuse_it(site, tmp_path):
    inventory, out = site
    text = inventory.read_text()
    hooks = (f'      fleet_rollout_hooks:\n'
             f'        before_rollout: ["test ! -e {tmp_path}/freeze || {{ echo frozen >&2; exit 1; }}"]\n'
             f'        on_rollout_failure: ["cat > {tmp_path}/failure.json"]\n'
             f'        after_rollout: ["cat > {tmp_path}/after.json"]\n')
    inventory.write_text(text.replace("      fleet_roles: [site]\n", "      fleet_roles: [site]\n" + hooks))
    (tmp_path / "freeze").touch()
    refused = invoke("deploy", str(inventory), "--json")
    assert refused.exit_code == 1
    document = json.loads(refused.stdout)
    assert document["stopped"] == (f"rollout hook before_rollout: test ! -e {tmp_path}/freeze || {{ echo frozen >&2;"
                                   " exit 1; } failed: frozen; no host was changed")
    assert (document["hosts"], document["not_started"]) == ([], ["here"])
    assert not (out / "site.conf").exists()
    failure = json.loads((tmp_path / "failure.json").read_text())
    assert (failure["point"], failure["outcome"], failure["command"]) == ("on_rollout_failure", "failed", "deploy")
    (tmp_path / "freeze").unlink()
    (tmp_path / "failure.json").unlink()
    done = invoke("deploy", str(inventory), "--json")
    assert done.exit_code == 0, done.stderr
    after = json.loads((tmp_path / "after.json").read_text())
    assert (after["point"], after["outcome"], after["inventory"]) == ("after_rollout", "succeeded", str(inventory))
    assert [(row["host"], row["result"]) for row in after["hosts"]] == [("here", "deployed")]
    assert after["releases"] == [] and not (tmp_path / "failure.json").exists()
