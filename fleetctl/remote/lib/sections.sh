# lib/sections.sh: `section NAME` prints "==> NAME <==", the header that starts each
# section of a script's output (fleetctl/facts/sections.py splits the output on it).
# fleetctl/remote/__init__.py prepends this file to each script that says "# Needs: lib/sections.sh".
section() { printf '==> %s <==\n' "$1"; }
