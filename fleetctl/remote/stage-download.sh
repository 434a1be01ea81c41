# stage-download.sh: copies SRC, a file only the user this runs as (root, with become) may read, into
# DEST, the empty private (0600) file the login user made in its home, which the login user then
# downloads over SFTP and removes. Writing into DEST, rather than making it, keeps its owner (the
# login user) and its mode: nothing to chown, and no one else can read the copy at any moment.
# Arguments: SRC DEST
# Output: none. Exit codes: 0 copied; 1 DEST is not a regular file (a link put in its place is
# never written through); else cat's (its message on stderr).
set -e
src=$1 dest=$2
if [ ! -f "$dest" ] || [ -h "$dest" ]; then
    printf 'stage-download.sh: %s is not the staging file\n' "$dest" >&2
    exit 1
fi
cat -- "$src" > "$dest"
