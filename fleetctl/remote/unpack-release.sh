# unpack-release.sh: makes the release folder RELEASES/ID from the uploaded archive RELEASES/.ID.tar.gz.
# The archive is the complete release, dependencies built for this host's platform: nothing
# is installed or built here (hosts need no npm). It is unpacked beside the releases, given
# shared/ (a link to SHARED), then renamed into place: a release folder either is whole or is not there.
# Arguments: RELEASES ID SHARED
# Output: none.
# Exit codes: 0 the release is in place; else the failing command's (its message on stderr).
set -eu
releases=$1 id=$2 shared=$3
tmp="$releases/.$id.tmp"
rm -rf "$tmp"; mkdir -p "$tmp"
tar -xzf "$releases/.$id.tar.gz" -C "$tmp" --no-same-owner
ln -sfn "$shared" "$tmp/shared"
chmod -R go-w "$tmp"
rm -rf "${releases:?}/${id:?}"
mv -T "$tmp" "$releases/$id"
rm -f "$releases/.$id.tar.gz"
