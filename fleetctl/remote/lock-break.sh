# lock-break.sh: removes the deploy lock of the folder ROOT, whoever holds it (the
# deployer found it stale, or was told to force it).
# Renaming first means two deployers breaking the same stale lock cannot both succeed.
# Arguments: ROOT
# Output: none. Exit code: 0, also when there was no lock.
root=$1
mv "$root/.deploy.lock" "$root/.deploy.lock.broken.$$" 2>/dev/null && rm -rf "$root/.deploy.lock.broken.$$"
exit 0
