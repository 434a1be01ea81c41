"""`fleetctl lab up` refuses clearly when the machine lacks what the lab needs."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_lab_up(env_overrides: dict[str, str], prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "fleetctl", "lab", "--state-dir", "/tmp/fleetctl-preflight", "up"],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, **env_overrides}, timeout=60,
    )


def test_no_docker_engine_says_what_to_run():
    done = run_lab_up({"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no Docker engine answers" in lines[0] and "setup-machine.sh" in lines[0]


def test_not_root_says_to_use_sudo():
    done = run_lab_up({}, prefix=("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "Error: fleetctl lab needs root (Docker, debootstrap, host-key bind mounts); run it with sudo"
    ]
