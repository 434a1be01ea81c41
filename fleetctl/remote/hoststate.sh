# hoststate.sh: what is deployed on this host, in "==> name <==" sections
# (fleetctl/deploy/hoststate.py parses them).
# Arguments: APP_ROOT UNIT_PATH ENV_FILE RUNTIME_PATH APP_USER SERVICE PROCESS_FILE SOCKET_PATH SOCKET SHIM_PATH
# Output: the sections hoststate (the banner "fleetctl-hoststate 1"), current, previous,
#   releases (newest first), unit, process, env_sha256, runtime_sha256, user, activated,
#   active, enabled, socket_unit, socket_active, socket_enabled, shim_sha256 and end; a section
#   is empty when what it shows is missing.
# Exit code: 0.
# Reads only; prints hashes, never the contents, of files that may hold secrets.
# Needs: lib/sections.sh
app_root=$1 unit=$2 env_file=$3 runtime=$4 app_user=$5 service=$6 process_file=$7
socket_unit=$8 socket=$9 shim=${10}
sha() { [ -r "$1" ] && sha256sum < "$1" | cut -d' ' -f1; }

section hoststate; echo 'fleetctl-hoststate 1'
section current; readlink "$app_root/current" 2>/dev/null
section previous; readlink "$app_root/previous" 2>/dev/null
# ls lists no dot names: the archives and temporary folders of releases being unpacked.
section releases; [ -d "$app_root/releases" ] && ls -1t "$app_root/releases"
section unit; [ -r "$unit" ] && cat "$unit"
section process; [ -r "$process_file" ] && cat "$process_file"
section env_sha256; sha "$env_file"
section runtime_sha256; sha "$runtime"
section user; id -u "$app_user" 2>/dev/null
section activated; cat "$app_root/.activated" 2>/dev/null || echo none
section active; systemctl is-active "$service" 2>/dev/null
section enabled; systemctl is-enabled "$service" 2>/dev/null
section socket_unit; [ -r "$socket_unit" ] && cat "$socket_unit"
section socket_active; systemctl is-active "$socket" 2>/dev/null
section socket_enabled; systemctl is-enabled "$socket" 2>/dev/null
section shim_sha256; sha "$shim"
section end
exit 0
