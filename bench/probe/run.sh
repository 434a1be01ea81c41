#!/bin/sh
# The probe benchmark of issue 3, start to finish:
#   installs pyinfra and ansible-core (setup.sh), brings up the 50-host bench lab
#   "fleetctl-bench" (its own Docker network 172.31.0.0/16, apart from the test
#   suite's fleetctl-lab), times fleetctl plan, pyinfra's facts and Ansible's
#   setup on all 50 hosts and again without the emulated Pi, prints the tables,
#   and takes the bench lab down again, even when a run fails.
#
#   bash bench/probe/run.sh [extra bench_probe.py options, e.g. --repeat 5 --diagnose]
#
# Run from anywhere; needs Docker and the repo's .venv (fleetctl installed).
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
fleetctl=.venv/bin/fleetctl
lab="$fleetctl lab --name fleetctl-bench --subnet 172.31.0.0/16"
inventory=inventories/fleetctl-bench.yaml
forks=${FORKS:-50}

tools=$(sh bench/probe/setup.sh)
trap '$lab down >/dev/null 2>&1 || echo "run.sh: could not take the bench lab down: run $lab down" >&2' EXIT
$lab up --hosts server=47,vm=1,container=1,pi=1

out=$(mktemp)
status=0
FLEETCTL_BENCH_VENV=$tools .venv/bin/python bench/probe/bench_probe.py \
    --inventory "$inventory" --forks "$forks" --output "$out" "$@" || status=$?
FLEETCTL_BENCH_VENV=$tools .venv/bin/python bench/probe/bench_probe.py \
    --inventory "$inventory" --forks "$forks" --without pi --output "$out" "$@" || status=$?

echo
echo "==== all 50 hosts, then without the emulated Pi (49 hosts) ===="
cat "$out"
rm -f "$out"
exit $status
