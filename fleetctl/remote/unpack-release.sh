# unpack-release.sh: makes the release folder RELEASES/ID from the uploaded archive RELEASES/.ID.tar.gz.
# The archive is unpacked beside the releases, built when it has a lockfile, given
# shared/ (a link to SHARED), then renamed into place: a release folder either is
# whole or is not there.
# Arguments: RELEASES ID SHARED BUILD (BUILD: "npm" runs npm ci --omit=dev; "none" builds nothing)
# Output: npm's, when it builds.
# Exit codes: 0 the release is in place; else the failing command's (its message on stderr).
set -eu
releases=$1 id=$2 shared=$3 build=$4
tmp="$releases/.$id.tmp"
rm -rf "$tmp"; mkdir -p "$tmp"
tar -xzf "$releases/.$id.tar.gz" -C "$tmp" --no-same-owner
ln -sfn "$shared" "$tmp/shared"
if [ "$build" = npm ]; then (cd "$tmp" && npm ci --omit=dev --no-audit --no-fund); fi
chmod -R go-w "$tmp"
rm -rf "${releases:?}/${id:?}"
mv -T "$tmp" "$releases/$id"
rm -f "$releases/.$id.tar.gz"
