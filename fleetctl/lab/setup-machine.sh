#!/usr/bin/env bash
# Installs and starts what fleetctl's lab and test suite need on a Debian machine, as root.
# Idempotent: every step checks first and does nothing when already done.
# Run from a checkout, it also creates ./.venv with fleetctl and its test extras installed.
set -euo pipefail

log() { printf 'setup-machine: %s\n' "$*" >&2; }
die() { printf 'setup-machine: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (sudo bash $0)"
command -v apt-get >/dev/null || die "needs a Debian-like machine with apt-get"

checkout_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# --- Debian packages ---------------------------------------------------------
packages=(docker.io debootstrap qemu-user-static binfmt-support openssh-client openssh-server busybox shellcheck file
          python3 python3-venv python3-pip ca-certificates iproute2 procps make g++)
# The control machine builds releases: npm, and for native addons make, g++ and Node's headers.
# The socket shim's tests hand it a socket as systemd does, with systemd-socket-activate.
command -v systemd-socket-activate >/dev/null || packages+=(systemd)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
[ -f /usr/include/node/node_api.h ] || packages+=(libnode-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Kernel settings: many systemd containers each take inotify instances ---------
for setting in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=524288; do
    key=${setting%%=*} want=${setting#*=}
    [ "$(sysctl -n "$key")" -ge "$want" ] || sysctl -q -w "$setting"
done

# --- aarch64 emulation for the pi persona --------------------------------------
binfmt=/proc/sys/fs/binfmt_misc
[ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt"
# The C flag makes setuid binaries (sudo) run with their own credentials under
# emulation; F keeps the interpreter open so it works inside containers.
entry="$binfmt/qemu-aarch64"
if [ -e "$entry" ] && ! grep -q '^flags: .*C' "$entry"; then
    echo -1 > "$entry"
fi
if [ ! -e "$entry" ]; then
    conf=/usr/lib/binfmt.d/qemu-aarch64.conf
    [ -f "$conf" ] || die "$conf missing: is qemu-user-static installed?"
    rule=$(grep -v '^#' "$conf" | head -n 1)
    case "${rule##*:}" in *C*) ;; *) rule="${rule}C" ;; esac
    echo "$rule" > "$binfmt/register"
    log "registered qemu-aarch64 with binfmt_misc (flags ${rule##*:})"
fi
grep -q '^enabled' "$entry" || echo 1 > "$entry"

# --- Docker engine: exactly one dockerd ----------------------------------------
if ! docker info >/dev/null 2>&1; then
    if pgrep -x dockerd >/dev/null; then
        log "a dockerd runs but does not answer yet; waiting"
    else
        log "starting dockerd (log: /var/log/fleetctl-dockerd.log)"
        setsid nohup dockerd >/var/log/fleetctl-dockerd.log 2>&1 < /dev/null &
    fi
    for _ in $(seq 1 120); do
        docker info >/dev/null 2>&1 && break
        sleep 0.5
    done
    docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s; see /var/log/fleetctl-dockerd.log"
fi

# --- Python environment for a checkout ------------------------------------------
if [ -f "$checkout_dir/pyproject.toml" ]; then
    venv="$checkout_dir/.venv"
    [ -x "$venv/bin/python" ] || { log "creating $venv"; python3 -m venv "$venv"; }
    stamp="$venv/.fleetctl-installed"
    if [ ! -f "$stamp" ] || [ "$checkout_dir/pyproject.toml" -nt "$stamp" ] || [ "$checkout_dir/setup.py" -nt "$stamp" ]; then
        log "installing fleetctl into $venv"
        "$venv/bin/pip" install -q -e "${checkout_dir}[test]"
        touch "$stamp"
    fi
fi
log "ready"
