"""DIAGNOSTIC ONLY: `fleetctl plan` with probe.sh's `node -p` skipped, to show what Node's start-up costs.

    .venv/bin/python bench/probe/fleetctl_without_node.py plan INVENTORY --forks N --json

The facts it gathers are NOT fleetctl's: node_version and libuv_version come
back empty (so no host gets a unit). bench_probe.py runs it only with
--diagnose, prints it apart, and never counts it towards the targets.
"""

import importlib
import sys

from fleetctl.cli import main
from fleetctl.facts.script import probe_script

# The module, not the function fleetctl.facts re-exports under the same name.
gather = importlib.import_module("fleetctl.facts.gather")

NODE_LINE = "{ has node && node -p"
_script = probe_script()
if NODE_LINE not in _script:
    sys.exit("fleetctl_without_node.py: probe.sh no longer starts node the way this expects")
_without_node = _script.replace(NODE_LINE, "{ false && node -p", 1)
gather.probe_script = lambda: _without_node

if __name__ == "__main__":
    sys.argv[0] = "fleetctl"
    main()
