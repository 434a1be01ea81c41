# switch-current.sh: points ROOT/current at releases/TARGET and, when PREVIOUS is
# not empty, ROOT/previous at releases/PREVIOUS.
# Each link is made under a new name and renamed over the old one: at every
# instant `current` is a valid link.
# Arguments: ROOT TARGET PREVIOUS (release ids; PREVIOUS may be "")
# Output: none. Exit codes: 0 switched; else the failing command's (its message on stderr).
set -eu
root=$1 target=$2 previous=$3
ln -sfn "releases/$target" "$root/.current.new"
mv -T "$root/.current.new" "$root/current"
if [ -n "$previous" ]; then
  ln -sfn "releases/$previous" "$root/.previous.new"
  mv -T "$root/.previous.new" "$root/previous"
fi
