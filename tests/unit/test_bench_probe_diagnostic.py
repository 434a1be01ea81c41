"""bench/probe/fleetctl_without_node.py (bench_probe.py --diagnose) still finds the probe text it changes."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _plan_facts(*command: str, state_dir: Path) -> dict:
    # PYTHONPATH: the bench script's own folder, not the checkout, is first on its sys.path.
    env = dict(os.environ, PYTHONPATH=str(REPO), FLEETCTL_STATE_DIR=str(state_dir))
    done = subprocess.run([sys.executable, *command, "plan", str(REPO / "inventories" / "local.yaml"), "--json"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=state_dir)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["error"] is None
    return row["facts"]


NODE_FACTS = ("node_version", "libuv_version", "node_abi")
# What changes between two probes a moment apart, whatever node does.
MOVING_FACTS = ("opt_free_mb",)


def test_plan_without_node_gathers_every_fact_but_node_versions(tmp_path):
    # A plan first, so that the probe cache holds node's versions: the diagnostic must not take them from it.
    with_node = _plan_facts("-m", "fleetctl", state_dir=tmp_path)
    assert with_node["node_version"], "node is needed for this test"
    without_node = _plan_facts(str(REPO / "bench" / "probe" / "fleetctl_without_node.py"), state_dir=tmp_path)
    assert [without_node[fact] for fact in NODE_FACTS] == [None, None, None]
    assert {**without_node, **{fact: with_node[fact] for fact in NODE_FACTS + MOVING_FACTS}} == with_node
