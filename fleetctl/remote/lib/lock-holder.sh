# lib/lock-holder.sh: defines `print_holder`, which prints who holds a deploy lock and how long ago
# its lease was last renewed, by this host's clock (so control machines whose clocks differ agree).
# Not run alone: fleetctl/remote/__init__.py puts it before each script with a "Needs:" line naming it.
# Arguments (of print_holder): LOCK (the lock folder, ROOT/.deploy.lock)
# Output: the owner line (nothing when the owner file is missing: a half-made lock), then "age SECONDS":
#   since the owner file was last touched (taken or renewed), else since the folder was made; no age
#   when the lock is gone. Exit code: 0.
print_holder() {
  cat "$1/owner" 2>/dev/null
  _changed=$(stat -c %Y "$1/owner" 2>/dev/null || stat -c %Y "$1" 2>/dev/null) || return 0
  echo "age $(( $(date +%s) - _changed ))"
}
