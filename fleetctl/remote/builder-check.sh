# builder-check.sh: reports what this host has to build native addons: node, npm, make, a C++ compiler,
# python3, and Node's headers in a folder node-gyp can take as its nodedir (never downloading them).
# Arguments: none.
# Output: one "NAME VALUE" line each, VALUE "-" when it is missing:
#   node VERSION; npm, make, cxx (c++, g++ or clang++) and python3 PATH;
#   nodedir DIR (DIR/include/node holds node_api.h and common.gypi); headers VERSION (of DIR's node_version.h).
# Exit codes: 0 (what is missing is in the output).
say() { printf '%s %s\n' "$1" "${2:--}"; }
first_command() {
    for name in "$@"; do
        command -v "$name" 2>/dev/null && return 0
    done
    return 1
}
say node "$(node -v 2>/dev/null)"
say npm "$(first_command npm)"
say make "$(first_command make)"
say cxx "$(first_command c++ g++ clang++)"
say python3 "$(first_command python3)"
# The headers beside node itself (nodesource, nvm, Node's tarballs), else the distribution's (libnode-dev).
prefix=
if node_path=$(first_command node); then
    prefix=$(dirname "$(dirname "$(readlink -f "$node_path")")")
fi
nodedir=
for candidate in ${prefix:+"$prefix"} /usr /usr/local; do
    if [ -f "$candidate/include/node/node_api.h" ] && [ -f "$candidate/include/node/common.gypi" ]; then
        nodedir=$candidate
        break
    fi
done
say nodedir "$nodedir"
headers=
if [ -n "$nodedir" ] && [ -f "$nodedir/include/node/node_version.h" ]; then
    headers=$(awk '$1 == "#define" && $2 ~ /^NODE_(MAJOR|MINOR|PATCH)_VERSION$/ { version[$2] = $3 }
        END { if (version["NODE_MAJOR_VERSION"] != "") printf "v%s.%s.%s", version["NODE_MAJOR_VERSION"],
              version["NODE_MINOR_VERSION"], version["NODE_PATCH_VERSION"] }' "$nodedir/include/node/node_version.h")
fi
say headers "$headers"
