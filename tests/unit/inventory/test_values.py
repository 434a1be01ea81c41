"""Variable types: fleet_app_env refuses what fleetctl derives itself."""

import pytest

from fleetctl.inventory.values import Environment, VariableValueError


@pytest.mark.parametrize("name, variable", [("FLEET_STOP_TIMEOUT_MS", "fleet_stop_timeout"),
                                            ("FLEET_RELOAD_TIMEOUT_MS", "fleet_reload_timeout")])
def test_the_runtimes_timeouts_come_from_their_settings_not_the_env_file(name, variable):
    # The env file overrides the unit's Environment=: a timeout set there would disagree with systemd's.
    with pytest.raises(VariableValueError, match=f"^fleet_app_env.{name} is set by fleetctl; use {variable} instead$"):
        Environment().check("fleet_app_env", {name: 1000}, ".")
    assert Environment().check("fleet_app_env", {"FLEET_READY_TIMEOUT_MS": 1000}, ".") == {
        "FLEET_READY_TIMEOUT_MS": "1000"}
