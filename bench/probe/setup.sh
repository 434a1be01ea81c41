#!/bin/sh
# Installs the tools fleetctl's probe is compared with into their own virtualenv,
# outside the repo and apart from fleetctl's, so neither sees the other's packages.
set -eu
venv=${FLEETCTL_BENCH_VENV:-$HOME/.cache/fleetctl-bench-venv}
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "pyinfra==3.10.0" "ansible-core==2.19.14"
echo "$venv"
