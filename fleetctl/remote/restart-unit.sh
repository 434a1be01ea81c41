# restart-unit.sh: restarts the systemd unit UNIT, and with it the socket unit SOCKET when given.
# A deploy's restart is not a crash: the units' start rate limits are cleared first,
# or the sixth deploy within StartLimitIntervalSec fails with start-limit-hit.
# Without SOCKET, a socket unit the service has stays open: connections wait in it meanwhile.
# With SOCKET (new or changed: another port, say), one transaction stops the service, then
# restarts the socket, then starts the service (it is After= the socket).
# Arguments: UNIT [SOCKET]
# Output: systemctl's, if any. Exit codes: 0 restarted; else systemctl restart's.
set -eu
unit=$1 socket=${2:-}
for each in "$unit" ${socket:+"$socket"}; do systemctl reset-failed "$each" 2>/dev/null || true; done
systemctl restart ${socket:+"$socket"} "$unit"
