"""A role-only host on the local connection, for the plan and deploy commands' tests."""

import textwrap

import pytest


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
