"""The shared values: their words, the process file's JSON (a bad or missing one too), results, hooks, platforms."""

import json
from dataclasses import FrozenInstanceError

import pytest

from fleetctl.domain import Activation, Hook, HostResult, Mode, Platform, RunningProcess, Scheduling


def test_values_are_their_words_in_json_and_text():
    document = {"mode": Mode.CLUSTER, "scheduling": Scheduling.RR, "result": HostResult.ROLLED_BACK}
    assert json.dumps(document) == '{"mode": "cluster", "scheduling": "rr", "result": "rolled back"}'
    assert f"{Activation.RELOAD} of {Mode.SINGLE}" == "reload of single"


@pytest.mark.parametrize("process", [
    RunningProcess(Mode.CLUSTER, 4, Scheduling.RR),
    RunningProcess(Mode.CLUSTER, 2, Scheduling.NONE),
    RunningProcess(Mode.SINGLE, 1, None),
])
def test_the_process_file_round_trips(process):
    assert RunningProcess.from_json(process.to_json()) == process


def test_the_process_file_is_one_line_of_sorted_json():
    text = RunningProcess(Mode.CLUSTER, 4, Scheduling.RR).to_json()
    assert text == '{"mode": "cluster", "scheduling": "rr", "workers": 4}\n'
    assert RunningProcess.from_json('{"mode": "single", "workers": 1}') == RunningProcess(Mode.SINGLE, 1, None)


@pytest.mark.parametrize("text", [
    None,  # no file: a host deployed before fleetctl wrote it
    "",
    " \n",
    "{not json",
    "[]",
    '{"workers": 2}',
    '{"mode": "multi", "workers": 2}',
    '{"mode": "cluster", "workers": "many"}',
    '{"mode": "cluster", "workers": null}',
    '{"mode": "cluster", "workers": 2, "scheduling": "fair"}',
])
def test_a_missing_or_unreadable_process_file_is_none(text):
    assert RunningProcess.from_json(text) is None


def test_activation_says_what_was_done():
    assert [activation.done for activation in Activation] == ["switched", "reloaded", "restarted"]
    assert (Activation.NONE.done, Activation.RELOAD.done, Activation.RESTART.done) == (
        "switched", "reloaded", "restarted")


def test_only_deployed_and_unchanged_are_ok():
    assert {result for result in HostResult if result.ok} == {HostResult.DEPLOYED, HostResult.UNCHANGED}
    assert not HostResult.ROLLED_BACK.ok and not HostResult.FAILED.ok


def test_a_hook_shows_where_it_runs_its_command_and_its_source():
    drain = Hook("before_switch", ("/usr/local/sbin/lb", "drain", "web 1"), "lb1", "role nginx-lb of lb1")
    assert drain.display("web1") == "before_switch on lb1: /usr/local/sbin/lb drain 'web 1' (role nginx-lb of lb1)"
    mine = Hook("after_host", "curl -fsS localhost:3000/healthz", None)
    assert mine.display("web1") == "after_host on web1: curl -fsS localhost:3000/healthz (fleet_hooks)"



def test_a_multi_line_script_shows_as_its_line_count():
    # A YAML block (|) ends with a newline: that is no line of the script.
    assert Hook("before_host", "set -e\necho one\necho two\n", None).shown_command() == "<script, 3 lines>"
    assert Hook("before_host", ("sh", "-c", "a\nb", "x y"), None).shown_command() == "sh -c <script, 2 lines> 'x y'"


# --- Platform ---------------------------------------------------------------------------


def test_a_platform_is_named_by_its_key():
    platform = Platform("linux", "armv7l", "musl", "115")
    assert platform.key == str(platform) == f"{platform}" == "linux-armv7l-musl-node115"
    assert Platform("linux", "x86_64", "glibc", "108").key == "linux-x86_64-glibc-node108"
    with pytest.raises(FrozenInstanceError):
        platform.arch = "aarch64"  # type: ignore[misc]


def test_platforms_differ_in_any_part_and_are_equal_otherwise():
    base = Platform("linux", "aarch64", "glibc", "108")
    assert base == Platform("linux", "aarch64", "glibc", "108") and len({base, Platform(*vars(base).values())}) == 1
    for other in (Platform("linux", "armv7l", "glibc", "108"), Platform("linux", "aarch64", "musl", "108"),
                  Platform("linux", "aarch64", "glibc", "115")):
        assert other != base and other.key != base.key
