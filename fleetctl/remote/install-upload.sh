# install-upload.sh: moves SRC, a file uploaded over SFTP into the login user's home, to DEST
# atomically, with MODE (run with become), and removes SRC, whatever happens.
# It is copied beside DEST rather than renamed: the copy is owned by the user this runs as
# (root, with become), not the login user, and sits in DEST's file system, where the final
# rename is atomic.
# Runs as `sh -c SCRIPT fleetctl-put SRC DEST MODE`, as put-file.sh does.
# fleetctl.remote.one_line joins the lines below with "; ": each must be a whole command.
# Arguments: SRC DEST MODE (octal, as chmod takes it)
# Output: none. Exit codes: 0 in place; else the failing command's (its message on stderr).
set -e
src=$1 dest=$2 mode=$3 tmp=
trap 'rm -f "$src" ${tmp:+"$tmp"}' EXIT
tmp=$(mktemp "$dest.fleetctl.XXXXXX")
cat "$src" > "$tmp"
chmod "$mode" "$tmp"
mv -f "$tmp" "$dest"
