#!/bin/sh
# The scale benchmark of issue 16, start to finish: installs pyinfra (bench/probe/setup.sh), and for each size
# brings the scale lab "fleetctl-scale" to that many plain hosts (its own Docker network 172.24.0.0/16, apart from
# the test suite's lab), times fleetctl plan (cold and warm), pyinfra's facts and a no-op deploy of each tool
# there (bench_scale.py), prints the tables, and takes the scale lab down at the end, also when a run fails.
#
#   bash bench/scale/run.sh                          # sizes 50 100 200 500
#   SIZES="50 100" bash bench/scale/run.sh --repeat 5
#
# The deploys run the example app on every host (one node process each, about 25 MB of its own beside what the
# hosts share): above DEPLOY_MAX hosts (default 500) only the plans and facts are timed.
# Each tool contacts at most FORKS_MAX hosts at once (default 100; --forks and --parallel): the lab's hosts share the
# machine's CPUs with the tools, and 200 or 500 of them busy at once starved their sshd past the connect timeout
# (at 500 hosts, both tools lost hosts with 500 at once, fleetctl also with 200 at once and a 10 s timeout).
# Run from anywhere; needs Docker, the raised inotify limit of fleetctl/lab/setup-machine.sh, and the repo's .venv.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
python=${PYTHON:-.venv/bin/python}
inventory=inventories/fleetctl-scale.yaml
lab="$python -m fleetctl lab --name fleetctl-scale --subnet 172.24.0.0/16 --inventory $inventory"
sizes=${SIZES:-50 100 200 500}
deploy_max=${DEPLOY_MAX:-500}
forks_max=${FORKS_MAX:-100}

tools=$(sh bench/probe/setup.sh)
trap '$lab down >/dev/null 2>&1 || echo "run.sh: could not take the scale lab down: run $lab down" >&2' EXIT
out=$(mktemp)
status=0
for size in $sizes; do
    $lab up --hosts plain="$size"
    deploy=
    [ "$size" -le "$deploy_max" ] || deploy=--no-deploy
    forks=$(( size < forks_max ? size : forks_max ))
    FLEETCTL_BENCH_VENV=$tools $python bench/scale/bench_scale.py --inventory "$inventory" --output "$out" \
        --forks "$forks" $deploy "$@" || status=$?
done
echo
echo "==== sizes: $sizes ===="
cat "$out"
rm -f "$out"
exit $status
