# lock-release.sh: gives back the deploy lock of the folder ROOT if OWNER still holds it.
# A deploy that stopped before changing anything leaves no empty folder behind:
# ROOT goes too when it is empty.
# Arguments: ROOT OWNER (as given to lock-acquire.sh)
# Output: none. Exit code: 0.
root=$1 owner=$2
[ "$(cat "$root/.deploy.lock/owner" 2>/dev/null)" = "$owner" ] && rm -rf "$root/.deploy.lock"
rmdir "$root" 2>/dev/null
exit 0
