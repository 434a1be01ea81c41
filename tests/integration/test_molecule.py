"""`molecule test` of molecule/default, as a user runs it: lab hosts as Molecule
instances, `fleetctl deploy` as converge (twice: idempotence), testinfra as verify.

The scenario makes the lab image itself when it is missing (its dependency step).
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fleetctl.lab.docker import Docker
from fleetctl.lab.hosts import free_subnet

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# 1.3 to 3.3 minutes measured with the lab image present on a 2-core machine, idle to heavily
# loaded (a missing image adds its build, a few minutes).
TIMEOUT_S = 900
# molecule.yml's default; the engine is shared, so another network may hold it.
SCENARIO_SUBNET = "172.27.0.0/16"
STEPS = ("dependency", "syntax", "create", "prepare", "converge", "idempotence", "verify", "destroy")


def docker_ls(*argv: str) -> list[str]:
    return subprocess.run(["docker", *argv], capture_output=True, text=True, check=True).stdout.split()


@pytest.mark.lab
def test_molecule_test_passes():
    env = {
        **os.environ,
        # molecule calls ansible-playbook by name, and the scenario python3 for the lab image.
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "FLEETCTL_MOLECULE_SUBNET": free_subnet(SCENARIO_SUBNET, Docker().subnets_in_use()),
        "NO_COLOR": "1", "PY_COLORS": "0", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
    }
    started = time.monotonic()
    try:
        done = subprocess.run([str(VENV_BIN / "molecule"), "test", "--no-command-borders"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else expired.stdout or ""
        pytest.fail(f"molecule test took more than {TIMEOUT_S} s; its output ended with:\n{output[-6000:]}")
    seconds = time.monotonic() - started
    output = done.stdout
    tail = output[-8000:]
    assert done.returncode == 0, f"molecule test exited {done.returncode} after {seconds:.0f} s:\n{tail}"

    # Every step ran and succeeded: the deploy, a second converge that changed
    # nothing, and every testinfra test on both instances.
    for step in STEPS:
        assert re.search(rf"default (?:➜|>) {step}: Executed: Successful", output), f"step {step} did not succeed:\n{tail}"
    passed = re.search(r"=+ (\d+) passed in ", output)
    assert passed and int(passed.group(1)) == 12, f"verify did not pass its 12 tests:\n{tail}"
    # molecule test destroys its instances and its network at the end.
    assert docker_ls("ps", "--all", "--filter", "name=^fleetctl-molecule-", "--format", "{{.Names}}") == []
    assert docker_ls("network", "ls", "--filter", "name=^fleetctl-molecule$", "--format", "{{.Name}}") == []
