# put-file.sh: writes its stdin to DEST atomically, with MODE: readers never see a half-written file.
# Runs as `sh -c SCRIPT fleetctl-put DEST MODE`, not on sh's stdin: stdin is the file's data.
# fleetctl.remote.one_line joins the lines below with "; ": each must be a whole command.
# Arguments: DEST MODE (octal, as chmod takes it)
# Output: none. Exit codes: 0 written; else the failing command's (its message on stderr).
set -e
dest=$1
mode=$2
# Beside the destination, so that the rename is atomic (one file system).
tmp=$(mktemp "$dest.fleetctl.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chmod "$mode" "$tmp"
mv -f "$tmp" "$dest"
