"""What plan shows of the files a deploy would write: unified diffs, and the environment file's with every value
masked (pure)."""

from fleetctl.deploy.diffs import env_diff, secret_diff, unified, unreadable_diff
from fleetctl.inventory import AppSpec
from fleetctl.render import render_env_file

PATH = "/etc/fleet/shop.env"


def env(**values: str) -> str:
    return render_env_file(AppSpec(name="shop", user="shop", env=tuple(sorted(values.items()))))


def test_a_new_file_is_all_additions_from_dev_null():
    assert unified("/etc/a.conf", None, "one\ntwo\n") == (
        "--- /dev/null\n+++ /etc/a.conf (new)\n@@ -0,0 +1,2 @@\n+one\n+two\n")
    assert unified("/etc/a.conf", "same\n", "same\n") == ""


def test_the_env_diff_names_what_changed_and_never_shows_a_value():
    before = env(API_KEY="s3cr3t-old", DB_URL="postgres://u:pw@db/shop", GONE="bye-value")
    after = env(API_KEY="s3cr3t-new", DB_URL="postgres://u:pw@db/shop", NEW_ONE="hello-value")
    diff = env_diff(PATH, before, after)
    for value in ("s3cr3t", "postgres", "pw@db", "bye-value", "hello-value"):
        assert value not in diff
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("---", "+++"))]
    assert changed == ["-API_KEY=<secret: old value>", "+API_KEY=<secret: new value>", "-GONE=<secret>",
                       "+NEW_ONE=<secret>"]
    assert " DB_URL=<secret>" in diff.splitlines()  # unchanged: context


def test_a_first_env_file_shows_its_names_only():
    diff = env_diff(PATH, None, env(TOKEN="abc"))
    assert diff.startswith("--- /dev/null\n") and "+TOKEN=<secret>" in diff and "abc" not in diff
    assert env_diff(PATH, env(TOKEN="abc"), env(TOKEN="abc")) == ""


def test_a_value_over_several_lines_and_a_hand_written_comment_stay_masked():
    installed = '# Managed by fleetctl from fleet_app_env\n# the old password was hunter2\nKEY="line one\nline two"\n'
    diff = env_diff(PATH, installed, env(KEY="line one\nline three"))
    for text in ("hunter2", "line one", "line two", "line three"):
        assert text not in diff
    assert "-<a line not shown>" in diff and "+KEY=<secret: new value>" in diff


def test_a_secret_file_shows_its_size_and_an_unreadable_one_says_so():
    assert secret_diff("/etc/htpasswd", b"x" * 42) == "/etc/htpasswd: secret content, not shown (42 bytes to write)\n"
    assert "could not be read" in unreadable_diff("/etc/a.conf")
