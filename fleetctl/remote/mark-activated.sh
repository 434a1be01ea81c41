# mark-activated.sh: records in ROOT/.activated what was started and passed the
# health gate (fleetctl.deploy.steps.host_marker), so that a deploy
# interrupted between the switch and the health gate is not taken for "unchanged".
# Written beside and renamed into place: never half-written.
# Arguments: ROOT MARKER (one line)
# Output: none. Exit codes: 0 recorded; else the failing command's (its message on stderr).
set -eu
root=$1 marker=$2
printf '%s\n' "$marker" > "$root/.activated.new"
mv -f "$root/.activated.new" "$root/.activated"
