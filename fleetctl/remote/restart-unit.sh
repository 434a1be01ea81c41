# restart-unit.sh: restarts the systemd unit UNIT.
# A deploy's restart is not a crash: the unit's start rate limit is cleared first,
# or the sixth deploy within StartLimitIntervalSec fails with start-limit-hit.
# Arguments: UNIT
# Output: systemctl's, if any. Exit codes: 0 restarted; else systemctl restart's.
set -eu
unit=$1
systemctl reset-failed "$unit" 2>/dev/null || true
systemctl restart "$unit"
