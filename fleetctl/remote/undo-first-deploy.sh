# undo-first-deploy.sh: takes back what a failed FIRST deploy of an app put on the host, so the host
# is as it was before: the service and its socket stopped and disabled, their units, the process file
# and env file removed, the release and the `current`/`previous` links removed, then the app's folders
# when they are empty (data someone put in shared/ is never deleted), and the app user when this deploy
# created it. A unit that was never loaded is not an error: there is nothing to stop.
# Arguments: UNIT UNIT_PATH PROCESS_FILE ENV_FILE APP_ROOT RELEASE_ID APP_USER REMOVE_USER (yes|no)
#   SOCKET SOCKET_PATH
# Output: none on success. Exit codes: 0 the host is clean; else the failing command's (its message on stderr).
set -eu
unit=$1 unit_path=$2 process_file=$3 env_file=$4 root=$5 id=$6 user=$7 remove_user=$8 socket=$9 socket_path=${10}
loaded=
for each in "$socket" "$unit"; do
  if systemctl cat "$each" >/dev/null 2>&1; then loaded="$loaded $each"; fi
done
# Both in one transaction: a connection to the socket cannot start the service again meanwhile.
# shellcheck disable=SC2086 # unit names, no spaces: one word each
if [ -n "$loaded" ]; then systemctl disable --now --quiet $loaded || systemctl stop $loaded; fi
rm -f "$unit_path" "$socket_path" "$process_file" "$env_file"
systemctl daemon-reload
for each in "$unit" "$socket"; do systemctl reset-failed "$each" 2>/dev/null || true; done
rm -rf "${root:?}/releases/${id:?}" "$root/releases/.$id.tmp" "$root/releases/.$id.tar.gz"
rm -f "$root/current" "$root/previous" "$root/.current.new" "$root/.previous.new" "$root/.activated"
rmdir "$root/shared" "$root/releases" 2>/dev/null || true
if [ "$remove_user" = yes ] && id -u "$user" >/dev/null 2>&1; then
  userdel "$user"
fi
