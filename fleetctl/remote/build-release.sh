# build-release.sh: builds a release's native addons for this host's platform from its resolved tree,
# uploaded as DIR/tree.tar.gz: unpacks it in DIR/tree, runs npm rebuild there (the packages' install
# scripts, node-gyp with the Node headers in NODEDIR; offline, so nothing is downloaded), packs the result.
# DIR is a private temporary folder that fleetctl made, and removes whatever happens.
# Arguments: DIR NODEDIR
# Output: the path of the built tree's archive, DIR/artifact.tar.gz; npm's own output goes to stderr.
# Exit codes: 0 built; 3 npm rebuild failed (its messages on stderr); else the failing command's.
set -eu
dir=$1 nodedir=$2
mkdir "$dir/tree"
tar -xzf "$dir/tree.tar.gz" -C "$dir/tree"
cd "$dir/tree"
if ! npm_config_nodedir=$nodedir npm_config_offline=true npm_config_update_notifier=false npm rebuild >&2; then
    exit 3
fi
tar -czf "$dir/artifact.tar.gz" -C "$dir/tree" .
echo "$dir/artifact.tar.gz"
