"""The SSH transport against a lab host that vanishes mid-command."""

import subprocess
import threading
import time

import pytest

from conftest import fleetctl
from fleetctl.inventory import load_inventory
from fleetctl.transport import TransportError, connect


def test_a_host_killed_mid_command_is_an_error_in_seconds_not_at_the_timeout(lab):
    host = load_inventory(lab.path).select("vm")[0]
    try:
        with connect(host.connection) as transport:
            killer = threading.Timer(2.0, subprocess.run, args=(["docker", "kill", host.name],),
                                     kwargs={"capture_output": True})
            killer.start()
            started = time.monotonic()
            with pytest.raises(TransportError) as failure:
                transport.run(["sleep", "300"], timeout=300)
            elapsed = time.monotonic() - started
            killer.join()
        assert failure.value.args[0].startswith(f"{host.name}: ")
        assert elapsed < 40, f"noticed only after {elapsed:.0f} s"
    finally:
        assert fleetctl("lab", "up", check=False).returncode == 0  # the lab as the other tests expect it
