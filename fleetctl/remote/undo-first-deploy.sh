# undo-first-deploy.sh: takes back what a failed FIRST deploy of an app put on the host, so the host
# is as it was before: the service stopped and disabled, its unit, process file and env file removed,
# the release and the `current`/`previous` links removed, then the app's folders when they are empty
# (data someone put in shared/ is never deleted), and the app user when this deploy created it.
# A unit that was never loaded is not an error: there is nothing to stop.
# Arguments: UNIT UNIT_PATH PROCESS_FILE ENV_FILE APP_ROOT RELEASE_ID APP_USER REMOVE_USER (yes|no)
# Output: none on success. Exit codes: 0 the host is clean; else the failing command's (its message on stderr).
set -eu
unit=$1 unit_path=$2 process_file=$3 env_file=$4 root=$5 id=$6 user=$7 remove_user=$8
if systemctl cat "$unit" >/dev/null 2>&1; then
  systemctl disable --now --quiet "$unit" || systemctl stop "$unit"
fi
rm -f "$unit_path" "$process_file" "$env_file"
systemctl daemon-reload
systemctl reset-failed "$unit" 2>/dev/null || true
rm -rf "${root:?}/releases/${id:?}" "$root/releases/.$id.tmp" "$root/releases/.$id.tar.gz"
rm -f "$root/current" "$root/previous" "$root/.current.new" "$root/.previous.new" "$root/.activated"
rmdir "$root/shared" "$root/releases" 2>/dev/null || true
if [ "$remove_user" = yes ] && id -u "$user" >/dev/null 2>&1; then
  userdel "$user"
fi
