"""DIAGNOSTIC ONLY: `fleetctl plan` with probe.sh's `node -p` skipped, to show what Node's start-up costs.

    .venv/bin/python bench/probe/fleetctl_without_node.py plan INVENTORY --forks N --json

The probe runs as on a host without node: node is not started and its identity
is not read (one stat fewer), so the probe cache neither supplies nor learns its
versions. The facts it gathers are NOT fleetctl's: node_version,
libuv_version and node_abi come back empty (so no host gets a unit, nor a
platform). bench_probe.py runs it
only with --diagnose, prints it apart, and never counts it towards the targets.
"""

import importlib
import sys

from fleetctl.cli import main
from fleetctl.facts.script import probe_script

# The module, not the function fleetctl.facts re-exports under the same name.
gather = importlib.import_module("fleetctl.facts.gather")

# probe.sh reads node's identity only inside this test, and starts node only with an identity.
NODE_LINE = "\nif has node; then\n"
_script = probe_script()
if _script.count(NODE_LINE) != 1:
    sys.exit("fleetctl_without_node.py: probe.sh no longer starts node the way this expects")
_without_node = _script.replace(NODE_LINE, "\nif false; then\n")
gather.probe_script = lambda: _without_node

if __name__ == "__main__":
    sys.argv[0] = "fleetctl"
    main()
