# lock-renew.sh: renews the lease of the deploy lock of the folder ROOT while OWNER holds it: touches
# the owner file, whose mtime is the lease's last renewal.
# Arguments: ROOT OWNER (as given to lock-acquire.sh)
# Output: nothing when renewed; else the holder (lib/lock-holder.sh), if any.
# Exit codes: 0 renewed; 3 the lock is no longer OWNER's (broken, or taken by another deploy).
# Needs: lib/lock-holder.sh
lock=$1/.deploy.lock owner=$2
if [ "$(cat "$lock/owner" 2>/dev/null)" = "$owner" ] && touch "$lock/owner"; then
  exit 0
fi
print_holder "$lock"; exit 3
