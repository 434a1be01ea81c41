"""`fleetctl logs`: its line format, and what it refuses before any host is contacted (the lab's integration
tests read and follow real journals)."""

import textwrap
import time

import pytest
from click.testing import CliRunner

from fleetctl.cli import main
from fleetctl.cli.logs import text_lines
from fleetctl.logs import JournalEntry


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_line_is_host_time_source_and_message_and_each_line_of_a_message_carries_its_host(utc):
    entry = JournalEntry("web1", 1796165092462759, "c", "first\nsecond", "hello", 50, 6)
    assert text_lines(entry, 8) == ["web1     | 2026-12-01 22:44:52.462 hello[50]: first",
                                    "web1     | 2026-12-01 22:44:52.462 hello[50]: second"]
    bare = JournalEntry("web1", 1796165092000000, "c", "", None, None, None)
    assert text_lines(bare, 4) == ["web1 | 2026-12-01 22:44:52.000 -: "]


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "inventory.yaml"
    path.write_text(textwrap.dedent("""\
        all:
          hosts:
            web1: {ansible_host: 127.0.0.1, ansible_port: 1, fleet_app_name: hello}
            lb1: {ansible_connection: local}
        """))
    return path


def test_a_since_that_is_not_an_instant_is_bad_input_and_no_host_is_contacted(inventory):
    result = invoke("logs", str(inventory), "--since", "last tuesday")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: --since 'last tuesday': expected a duration (10m, 2h, 1d)")


def test_no_selected_host_with_an_app_is_bad_input(inventory):
    result = invoke("logs", str(inventory), "--limit", "lb1")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {inventory}: no selected host has an app (fleet_app_name)\n"


def test_a_host_without_an_app_is_skipped_and_said_so_and_an_unreachable_one_fails(inventory):
    result = invoke("logs", str(inventory))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == ["lb1: no app (fleet_app_name): skipped",
                                          "web1: connection refused at 127.0.0.1:1"]
