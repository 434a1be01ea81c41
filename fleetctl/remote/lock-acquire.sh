# lock-acquire.sh: takes the deploy lock of the folder ROOT, the folder ROOT/.deploy.lock.
# mkdir is atomic: of two deployers, exactly one creates the lock folder.
# Arguments: ROOT OWNER (one line naming the deployer, kept in ROOT/.deploy.lock/owner; its mtime is
#   the lease's last renewal, see lock-renew.sh)
# Output: "acquired", or, when the lock is held, its holder as lib/lock-holder.sh prints it.
# Exit codes (fleetctl.remote.LockExit):
#   0 ACQUIRED: the lock is ours
#   2 CANNOT_CREATE: ROOT does not exist and cannot be made
#   3 HELD: another deploy holds the lock
# Needs: lib/lock-holder.sh
root=$1 owner=$2
mkdir -p "$root" || exit 2
if mkdir "$root/.deploy.lock" 2>/dev/null; then
  printf '%s\n' "$owner" > "$root/.deploy.lock/owner"; echo acquired; exit 0
fi
print_holder "$root/.deploy.lock"; exit 3
