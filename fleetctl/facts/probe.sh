# fleetctl probe: prints raw facts about this host in "==> name <==" sections.
# POSIX sh (dash, busybox ash, bash). Nothing is installed; nothing is changed.
# Every section prints its header even when its source is missing, and the
# script always exits 0: interpretation belongs to the pure parsers in
# fleetctl/facts/parsers.py, not here. Only builtins and cheap commands are
# used so that a probe costs one exec and a few milliseconds.

section() { printf '==> %s <==\n' "$1"; }

# Print the first line of a file, if it can be read (a builtin, no fork).
first_line() {
    [ -r "$1" ] || return 0
    _line=
    IFS= read -r _line < "$1" 2>/dev/null || [ -n "$_line" ] || return 0
    printf '%s\n' "$_line"
}

# Print "<path>: <first line>" for each readable file, so the parser knows
# which cgroup directory and version each value came from.
labelled() {
    for _f in "$@"; do
        [ -r "$_f" ] || continue
        _line=
        IFS= read -r _line < "$_f" 2>/dev/null || [ -n "$_line" ] || continue
        printf '%s: %s\n' "$_f" "$_line"
    done
}

has() { command -v "$1" >/dev/null 2>&1; }

# Print a readable file whole, with builtins only (no cat: every fork costs
# the host about a millisecond, and a fleet is probed often).
print_file() {
    [ -r "$1" ] || return 0
    while IFS= read -r _line || [ -n "$_line" ]; do printf '%s\n' "$_line"; done < "$1" 2>/dev/null
}

# The cgroup path of this shell for one v1 controller, or for v2 when $1 is
# empty, read from /proc/self/cgroup ("id:controllers:path").
cgroup_path() {
    [ -r /proc/self/cgroup ] || return 0
    while IFS=: read -r _id _ctrls _path; do
        if [ -z "$1" ]; then
            [ "$_id" = 0 ] && [ -z "$_ctrls" ] && { printf '%s\n' "$_path"; return 0; }
        else
            case ",$_ctrls," in *",$1,"*) printf '%s\n' "$_path"; return 0 ;; esac
        fi
    done < /proc/self/cgroup
}

# Walk from this process's cgroup directory up to the mount point, printing
# the limit files at each level: a limit set on a parent (a systemd slice, the
# container's own cgroup) constrains us as much as one set on our own cgroup.
# $1 mount point, $2 root of the mount inside the hierarchy, $3 our cgroup
# path, then the file names to print.
cgroup_walk() {
    _mnt=$1 _root=$2 _path=$3
    shift 3
    case $_path in
        "$_root"*) _rel=${_path#"$_root"} ;;
        *) _rel=$_path ;;
    esac
    _rel=${_rel#/}
    _dir=$_mnt${_rel:+/$_rel}
    # Inside a container the path may name a directory that is not visible
    # through this mount: the mount's root is then our own cgroup.
    [ -d "$_dir" ] || _dir=$_mnt
    while :; do
        for _name in "$@"; do labelled "$_dir/$_name"; done
        [ "$_dir" = "$_mnt" ] && break
        case $_dir in "$_mnt"/*) ;; *) break ;; esac
        _dir=${_dir%/*}
    done
}

# ---- main: everything above only defines functions ----

# Node.js takes longest to start (most of the probe's time on a Pi), so it runs
# first, in parallel with every other section; its output waits in the pipe
# and is printed last, in its own section.
# $1, when given, is the identity (device:inode:size:mtime of node and of a
# shared libuv) of a node whose versions the caller already knows: when it still
# matches, node is not started at all.
known_node=${1-}
node_identity=
if has node; then
    node_identity=$(stat -L -c '%d:%i:%s:%Y' "$(command -v node)" /usr/lib/*/libuv.so.1 /lib/*/libuv.so.1 2>/dev/null)
    # One line: word splitting joins stat's lines with single spaces.
    set -f; set -- $node_identity; node_identity=$*; set +f
fi
{ [ -n "$node_identity" ] && [ "$node_identity" != "$known_node" ] &&
    node -p 'process.versions.node+" "+process.versions.uv' 2>/dev/null; } | {
    section probe
    echo 'fleetctl-probe 1'

    section hostname
    first_line /proc/sys/kernel/hostname

    section uname_m
    uname -m 2>/dev/null

    section long_bit
    getconf LONG_BIT 2>/dev/null

    section cpu_online
    first_line /sys/devices/system/cpu/online

    section nprocessors_onln
    [ -r /sys/devices/system/cpu/online ] || { has getconf && getconf _NPROCESSORS_ONLN 2>/dev/null; }

    section cpus_allowed
    if [ -r /proc/self/status ]; then
        while IFS= read -r _line; do
            case $_line in Cpus_allowed_list:*) printf '%s\n' "$_line"; break ;; esac
        done < /proc/self/status
    fi

    section meminfo
    first_line /proc/meminfo

    section self_cgroup
    print_file /proc/self/cgroup

    # One line per cgroup mount: fstype, root inside the hierarchy, mount point,
    # super options (which name the v1 controllers).
    _mounts=
    if [ -r /proc/self/mountinfo ] && has awk; then
        _mounts=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
                           if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $(i + 1), $4, $5, $(i + 3)
                           break } }' /proc/self/mountinfo 2>/dev/null)
    fi
    section cgroup_mounts
    [ -n "$_mounts" ] && printf '%s\n' "$_mounts"

    section cgroup_limits
    [ -n "$_mounts" ] && printf '%s\n' "$_mounts" |
        while read -r _type _mroot _mpoint _opts; do
            if [ "$_type" = cgroup2 ]; then
                _cg=$(cgroup_path "")
                [ -n "$_cg" ] && cgroup_walk "$_mpoint" "$_mroot" "$_cg" cpu.max memory.max
            else
                case ",$_opts," in
                    *,cpu,*)
                        _cg=$(cgroup_path cpu)
                        [ -n "$_cg" ] && cgroup_walk "$_mpoint" "$_mroot" "$_cg" cpu.cfs_quota_us cpu.cfs_period_us ;;
                esac
                case ",$_opts," in
                    *,memory,*)
                        _cg=$(cgroup_path memory)
                        [ -n "$_cg" ] && cgroup_walk "$_mpoint" "$_mroot" "$_cg" memory.limit_in_bytes ;;
                esac
            fi
        done

    section device_tree_model
    for _f in /proc/device-tree/model /sys/firmware/devicetree/base/model; do
        if [ -r "$_f" ]; then tr -d '\000' < "$_f" 2>/dev/null; echo; break; fi
    done

    # The first occurrence of each interesting /proc/cpuinfo key: the x86 flags
    # line repeats once per CPU, and the Pi's Hardware/Model lines come last.
    section cpuinfo
    if [ -r /proc/cpuinfo ] && has awk; then
        awk -F: '/^(model name|Hardware|Revision|Model|Processor|CPU implementer|CPU part|CPU architecture|flags|Features)[ \t]*:/ {
                     key = $1; sub(/[ \t]+$/, "", key)
                     if (!(key in seen)) { seen[key] = 1; print } }' /proc/cpuinfo 2>/dev/null
    fi

    section systemd_detect_virt_vm
    has systemd-detect-virt && systemd-detect-virt --vm 2>/dev/null

    section systemd_detect_virt_container
    has systemd-detect-virt && systemd-detect-virt --container 2>/dev/null

    section container_markers
    for _f in /.dockerenv /run/.containerenv; do
        [ -e "$_f" ] && printf '%s\n' "$_f"
    done

    section run_systemd_container
    first_line /run/systemd/container

    section pid1_cgroup
    print_file /proc/1/cgroup

    section dmi
    labelled /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/product_name

    section os_release
    if [ -r /etc/os-release ]; then
        print_file /etc/os-release
    else
        print_file /usr/lib/os-release
    fi

    section pid1_comm
    first_line /proc/1/comm

    section run_systemd_system
    [ -d /run/systemd/system ] && echo present

    section systemctl_version
    has systemctl && systemctl --version 2>/dev/null

    section node_identity
    printf '%s\n' "$node_identity"

    section node_versions
    while IFS= read -r _line; do printf '%s\n' "$_line"; done

    section end
}
exit 0
