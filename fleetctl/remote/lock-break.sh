# lock-break.sh: removes the deploy lock of the folder ROOT (the deployer found it stale, or was told
# to force it). With SEEN, only while its owner line is still SEEN: a lock judged stale is not
# mistaken for the one another deployer may have taken since.
# Renaming first means two deployers breaking the same stale lock cannot both succeed.
# Arguments: ROOT [SEEN] (an owner line; "" or absent: whoever holds it)
# Output: nothing, or the holder (lib/lock-holder.sh) when it is no longer SEEN.
# Exit codes: 0 removed, or there was no lock; 3 the lock's owner is no longer SEEN (kept).
# Needs: lib/lock-holder.sh
lock=$1/.deploy.lock seen=${2-}
if [ -n "$seen" ] && [ -d "$lock" ] && [ "$(cat "$lock/owner" 2>/dev/null)" != "$seen" ]; then
  print_holder "$lock"; exit 3
fi
mv "$lock" "$lock.broken.$$" 2>/dev/null && rm -rf "$lock.broken.$$"
exit 0
