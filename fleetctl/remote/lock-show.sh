# lock-show.sh: who holds the deploy lock of the folder ROOT, if anyone. Changes nothing.
# Arguments: ROOT
# Output: the holder (lib/lock-holder.sh) when the lock is held; nothing otherwise.
# Exit codes: 0 no lock; 3 the lock is held.
# Needs: lib/lock-holder.sh
lock=$1/.deploy.lock
[ -d "$lock" ] || exit 0
print_holder "$lock"; exit 3
