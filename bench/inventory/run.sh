#!/bin/sh
# The inventory benchmark of issue 14: a generated 5,000-host inventory (groups of groups, group_vars,
# host_vars) loaded by fleetctl and by `ansible-inventory --list`, in turns; prints the table.
#
#   bash bench/inventory/run.sh [--hosts 5000] [--rounds 7] [--keep DIR]
#
# Run from anywhere; needs the repo's .venv (fleetctl with its test extra, which has ansible-core),
# or PYTHON=/path/to/venv/bin/python.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
exec "$python" "$repo/bench/inventory/run_inventory_bench.py" "$@"
