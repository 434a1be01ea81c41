# status.sh: what runs on this host for `fleetctl status`, in "==> name <==" sections
# (fleetctl/status.py parses them).
# Arguments: APP_ROOT SERVICE PROCESS_FILE STATE_FILE SOCKET (STATE_FILE: the cluster runtime's;
#   SOCKET: the app's socket unit)
# Output: the sections status (the banner "fleetctl-status 1"), current, show (systemctl
#   show's ActiveState, SubState, MainPID, NRestarts, ActiveEnterTimestampMonotonic), uptime,
#   process, runtime, socket (systemctl show's LoadState, ActiveState, SubState and Listen of
#   SOCKET) and end; a section is empty when what it shows is missing.
# Exit code: 0.
# Needs: lib/sections.sh
app_root=$1 service=$2 process_file=$3 state_file=$4 socket=$5
section status; echo 'fleetctl-status 1'
section current; readlink "$app_root/current" 2>/dev/null
section show; systemctl show "$service" -p ActiveState -p SubState -p MainPID -p NRestarts \
  -p ActiveEnterTimestampMonotonic 2>/dev/null
section uptime; cat /proc/uptime
section process; cat "$process_file" 2>/dev/null
section runtime; cat "$state_file" 2>/dev/null
section socket; systemctl show "$socket" -p LoadState -p ActiveState -p SubState -p Listen 2>/dev/null
section end
exit 0
