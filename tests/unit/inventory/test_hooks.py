"""read_hooks: hooks as people write them (fleet_hooks, a role's hooks.yaml), and the first wrong one named exactly."""

import pytest

from fleetctl.inventory.hooks import HookSpec, HookSpecError, Hooks, RolloutHooks, read_hooks
from fleetctl.inventory.values import VariableValueError

POINTS = "before_host, before_switch, after_switch, after_host"


def hook_error(value, where: str = "fleet_hooks", allow_during: bool = False) -> HookSpecError:
    with pytest.raises(HookSpecError) as caught:
        read_hooks(value, where, allow_during)
    assert "\n" not in str(caught.value)
    return caught.value


def test_a_bare_string_is_a_shell_command_on_the_host():
    assert read_hooks({"before_host": ["systemctl is-active nginx"]}, "fleet_hooks") == (
        HookSpec("before_host", "systemctl is-active nginx", None),)


def test_a_bare_list_is_an_argument_list_of_strings():
    assert read_hooks({"after_host": [["sleep", 2], ["echo", "done"]]}, "fleet_hooks") == (
        HookSpec("after_host", ("sleep", "2"), None), HookSpec("after_host", ("echo", "done"), None))


def test_a_mapping_names_its_command_and_delegate():
    value = {"before_switch": [{"command": ["drain", "web1"], "delegate_to": "lb1"}]}
    assert read_hooks(value, "fleet_hooks") == (HookSpec("before_switch", ("drain", "web1"), "lb1"),)


def test_hooks_keep_the_order_they_are_written_in():
    value = {"after_host": ["c"], "before_host": ["a", {"command": "b"}]}
    assert [(hook.point, hook.command) for hook in read_hooks(value, "fleet_hooks")] == [
        ("after_host", "c"), ("before_host", "a"), ("before_host", "b")]


def test_hooks_must_be_a_mapping_of_points():
    assert str(hook_error(["echo hi"])) == f"fleet_hooks must be a mapping of {POINTS} to lists of hooks"
    assert str(hook_error("echo hi", where="")) == f"hooks must be a mapping of {POINTS} to lists of hooks"


def test_an_unknown_point_is_named_with_the_known_ones():
    error = hook_error({"before_host": ["a"], "after_all": ["b"]})
    assert str(error) == f"fleet_hooks: unknown hook point 'after_all' (known: {POINTS})"
    assert (error.point, error.index, error.key) == ("after_all", None, None)
    in_file = hook_error({"after_all": ["b"]}, where="")  # hooks.yaml: the file names itself
    assert str(in_file) == f"unknown hook point 'after_all' (known: {POINTS})"


def test_a_point_holds_a_list():
    error = hook_error({"before_host": "echo hi"})
    assert str(error) == "fleet_hooks.before_host must be a list of hooks"
    assert (error.point, error.index, error.key) == ("before_host", None, None)


@pytest.mark.parametrize("entry", [42, None, {"delegate_to": "lb1"}])
def test_an_entry_is_a_command_or_a_mapping_with_command(entry):
    error = hook_error({"after_switch": ["fine", entry]})
    assert str(error) == "fleet_hooks.after_switch[1] must be a command (a string or a list) or a mapping with command"
    assert (error.point, error.index, error.key) == ("after_switch", 1, None)


def test_an_unknown_key_is_named_with_the_known_ones():
    error = hook_error({"before_host": [{"command": "x", "run_on": "lb1"}]})
    assert str(error) == "fleet_hooks.before_host[0]: unknown key run_on (known: command, delegate_to, undoes)"
    assert (error.point, error.index, error.key) == ("before_host", 0, "run_on")


@pytest.mark.parametrize("command", ["", "   ", [], ["echo", None], ["echo", ["nested"]], 7, {"sh": "-c"}])
def test_a_bad_command_is_named(command):
    error = hook_error({"after_host": [{"command": command}]})
    assert str(error) == "fleet_hooks.after_host[0]: command must be a shell command string or a list of arguments"
    assert (error.point, error.index, error.key) == ("after_host", 0, "command")


@pytest.mark.parametrize("delegate, shown", [("", "''"), ("  ", "'  '"), (5, "5"), (["lb1"], "a list")])
def test_delegate_to_is_a_host_name(delegate, shown):
    error = hook_error({"before_switch": ["ok", {"command": "drain", "delegate_to": delegate}]})
    assert str(error) == f"fleet_hooks.before_switch[1]: delegate_to must be a non-empty string, got {shown}"
    assert (error.point, error.index, error.key) == ("before_switch", 1, "delegate_to")


def test_during_is_read_only_where_it_is_allowed():
    value = {"before_switch": [{"command": "drain", "delegate_to": "lb1", "during": "web"}]}
    error = hook_error(value)
    assert str(error) == "fleet_hooks.before_switch[0]: unknown key during (known: command, delegate_to, undoes)"
    assert error.key == "during"
    assert read_hooks(value, "", allow_during=True) == (HookSpec("before_switch", "drain", "lb1", during="web"),)
    assert str(hook_error({"before_host": [{"command": "x", "when": "y"}]}, where="", allow_during=True)) == (
        "before_host[0]: unknown key when (known: command, delegate_to, undoes, during)")
    assert str(hook_error({"before_host": [{"command": "x", "during": ""}]}, allow_during=True)) == (
        "fleet_hooks.before_host[0]: during must be a non-empty string, got ''")


def test_a_hook_error_is_a_variable_error_so_the_inventory_names_its_line():
    assert issubclass(HookSpecError, VariableValueError)


def test_fleet_hooks_is_normalised_to_mappings_with_command_delegate_to_and_undoes():
    value = {"before_host": ["echo a", ["echo", "b"]], "after_host": [
        {"command": "undrain", "delegate_to": "lb1", "undoes": "before_switch"}], "before_switch": [
        {"command": "drain", "delegate_to": "lb1"}]}
    assert Hooks().check("fleet_hooks", value, ".") == {
        "before_host": [{"command": "echo a", "delegate_to": None, "undoes": None},
                        {"command": ["echo", "b"], "delegate_to": None, "undoes": None}],
        "after_host": [{"command": "undrain", "delegate_to": "lb1", "undoes": "before_switch"}],
        "before_switch": [{"command": "drain", "delegate_to": "lb1", "undoes": None}],
    }


def test_a_cleanup_undoes_an_earlier_point():
    value = {"after_host": [{"command": "undrain", "undoes": "before_switch"}]}
    assert read_hooks(value, "fleet_hooks") == (HookSpec("after_host", "undrain", None, undoes="before_switch"),)
    error = hook_error({"before_switch": [{"command": "x", "undoes": "after_host"}]})
    assert str(error) == ("fleet_hooks.before_switch[0]: undoes must name an earlier point of the host's rollout"
                          " (before_host), got 'after_host'")
    assert (error.point, error.index, error.key) == ("before_switch", 0, "undoes")
    assert "(none: nothing runs before it), got 'before_host'" in str(
        hook_error({"before_host": [{"command": "x", "undoes": "before_host"}]}))


def test_rollout_hooks_are_lists_of_commands_at_the_rollouts_points():
    value = {"before_rollout": ["test ! -e /etc/freeze"], "after_rollout": [["curl", "-d", "@-", "http://x"]]}
    assert RolloutHooks().check("fleet_rollout_hooks", value, ".") == {
        "before_rollout": ["test ! -e /etc/freeze"], "after_rollout": [["curl", "-d", "@-", "http://x"]]}


@pytest.mark.parametrize("value, message", [
    ({"after_host": ["x"]}, "fleet_rollout_hooks: unknown point 'after_host' (known: before_rollout,"
                            " on_rollout_failure, after_rollout)"),
    ({"after_rollout": "x"}, "fleet_rollout_hooks.after_rollout must be a list of commands"),
    ({"after_rollout": ["ok", {"command": "x"}]},
     "fleet_rollout_hooks.after_rollout[1] must be a shell command string or a list of arguments, got a mapping"),
    (["x"], "fleet_rollout_hooks must be a mapping of before_rollout, on_rollout_failure, after_rollout to lists"
            " of commands"),
])
def test_a_bad_rollout_hook_is_named(value, message):
    with pytest.raises(VariableValueError) as error:
        RolloutHooks().check("fleet_rollout_hooks", value, ".")
    assert str(error.value) == message
