# lib/sections.sh: defines `section`, which starts each section of a script's output with
# the header "==> NAME <==" (fleetctl/facts/sections.py splits the output on it).
# Not run alone: fleetctl/remote/__init__.py puts it before each script with a "Needs:" line naming it.
# Arguments (of section): NAME
# Output: "==> NAME <==". Exit code: printf's.
section() { printf '==> %s <==\n' "$1"; }
