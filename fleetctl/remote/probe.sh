# probe.sh: prints raw facts about this host in "==> name <==" sections.
# POSIX sh (dash, busybox ash, bash). Nothing is installed; nothing is changed.
# Every section prints its header even when its source is missing, and the
# script always exits 0: interpretation belongs to the pure parsers in
# fleetctl/facts/parsers.py, not here. Only builtins and cheap commands are
# used so that a probe costs one exec and a few milliseconds.
# Arguments: [KNOWN_NODE [KNOWN_VIRT [SLICE [SHARED_VM]]]]: what the caller already knows (see main, below),
#   the slice the app's service runs in (default system.slice), whose cgroup limits are the ones that bind it,
#   and whether the caller shares one machine's VM answer between its containers.
# Output: the sections of probe() below, from "probe" (the banner "fleetctl-probe 1") to "end".
# Exit code: 0.
# Needs: lib/sections.sh

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

# Print what uname -m would, from /proc/sys/kernel/arch (Linux 6.1 and later),
# where the userland is the kernel's own architecture (its native dynamic loader
# is there); false otherwise, and where that file lies: under qemu-user
# emulation it names the machine's architecture, not the emulated one.
kernel_machine() {
    _machine=
    read -r _machine < /proc/sys/kernel/arch 2>/dev/null || return 1
    case $_machine in
        x86_64) [ -e /lib64/ld-linux-x86-64.so.2 ] || [ -e /lib/ld-musl-x86_64.so.1 ] || return 1 ;;
        aarch64) [ -e /lib/ld-linux-aarch64.so.1 ] || [ -e /lib/ld-musl-aarch64.so.1 ] || return 1 ;;
        *) return 1 ;;
    esac
    printf '%s\n' "$_machine"
}

# True when a 32-bit program can run here: a 32-bit dynamic loader exists (glibc's or musl's for i386 and
# 32-bit arm, x32's). Without one, getconf (a dynamic program) could only say 64, so it need not start.
userland_may_be_32_bit() {
    for _f in /lib/ld-linux.so.2 /lib/ld-linux.so.3 /lib/ld-linux-armhf.so.3 /lib/ld-musl-i386.so.1 \
              /lib/ld-musl-arm*.so.1 /libx32/ld-linux-x32.so.2; do
        [ -e "$_f" ] && return 0
    done
    return 1
}

# "file PATH" or "link PATH" for a dynamic loader that exists (an unmatched
# glob stays literal and does not); false when it does not.
print_loader() {
    [ -e "$1" ] || return 1
    if [ -h "$1" ]; then printf 'link %s\n' "$1"; else printf 'file %s\n' "$1"; fi
}

# Print a readable file whole, with builtins only (no cat: every fork costs
# the host about a millisecond, and a fleet is probed often).
print_file() {
    [ -r "$1" ] || return 0
    while IFS= read -r _line || [ -n "$_line" ]; do printf '%s\n' "$_line"; done < "$1" 2>/dev/null
}

# What reads whole files runs in one awk (it reads them in blocks; the shell's
# read builtin takes a system call per byte): the affinity mask, this process's
# cgroups and every cgroup limit from the service's cgroup up to each mount
# point (a limit set on a parent, a systemd slice or the container's own cgroup,
# binds the service as much as one on its own cgroup), the interesting
# /proc/cpuinfo keys, PID 1's cgroups, os-release and the kernel's ostype. The
# service's cgroup is its slice's (awk's slice) under systemd's root, which is
# PID 1's cgroup without init.scope; not this SSH login's (user.slice), whose
# limits may differ. Without systemd as PID 1 it is our own. The program is in
# single quotes: it must not contain one. mawk dies on reading a directory, so
# only files are read.
probe_awk='
function section(name) { printf "==> %s <==\n", name }

# "<path>: <first line>", if the file can be read: the parser then knows which
# cgroup directory and version each value came from.
function labelled(file,    line) {
    if ((getline line < file) > 0) printf "%s: %s\n", file, line
    close(file)
}

function print_file(file,    line) {
    while ((getline line < file) > 0) print line
    close(file)
}

# "<label>: <line>" for each line of file that matches pattern.
function defines(file, label, pattern,    line) {
    while ((getline line < file) > 0) if (line ~ pattern) printf "%s: %s\n", label, line
    close(file)
}

# The cgroup path of a slice under the root of systemd: a-b.slice is /a.slice/a-b.slice, -.slice the root.
function slice_cgroup(name,    parts, count, i, prefix, path) {
    sub(/\.slice$/, "", name)
    if (name == "-" || name == "") return ""
    count = split(name, parts, "-")
    for (i = 1; i <= count; i++) {
        prefix = i == 1 ? parts[1] : prefix "-" parts[i]
        path = path "/" prefix ".slice"
    }
    return path
}

# The cgroup (in one hierarchy) the service runs in: its slice under the root
# of systemd when PID 1 is in init.scope there; the cgroup of PID 1 when
# systemd does not manage that hierarchy (v1 controllers it leaves alone hold
# every service where PID 1 is); ours when PID 1 is not systemd.
function service_cgroup(pid1, own) {
    if (!systemd || pid1 == "") return own
    if (pid1 ~ /\/init\.scope$/) {
        sub(/\/init\.scope$/, "", pid1)
        return pid1 slice_cgroup(slice)
    }
    return pid1
}

# Print the limit files named in names at each level from the cgroup directory
# path (as /proc/PID/cgroup names it) up to the mount point mnt, whose root
# inside the hierarchy is root.
function walk(mnt, root, path, names,    rel, dir, probe, line, count, list, i) {
    if (path == "") return
    rel = index(path, root) == 1 ? substr(path, length(root) + 1) : path
    sub(/^\//, "", rel)
    dir = rel == "" ? mnt : mnt "/" rel
    # The path may name a directory that does not exist yet (a slice no unit
    # has started), or that is not visible through this mount (inside a
    # container, whose mount root is its own cgroup): the nearest visible
    # level above it binds. Every cgroup directory (v1 and v2) has a
    # world-readable cgroup.procs.
    probe = dir "/cgroup.procs"
    while ((getline line < probe) < 0) {
        close(probe)
        if (dir == mnt || index(dir, mnt "/") != 1) { dir = mnt; break }
        sub(/\/[^\/]*$/, "", dir)
        probe = dir "/cgroup.procs"
    }
    close(probe)
    count = split(names, list, " ")
    while (1) {
        for (i = 1; i <= count; i++) labelled(dir "/" list[i])
        if (dir == mnt || index(dir, mnt "/") != 1) break
        sub(/\/[^\/]*$/, "", dir)
    }
}

BEGIN {
    section("cpus_allowed")
    file = "/proc/self/status"
    while ((getline line < file) > 0) if (line ~ /^Cpus_allowed_list:/) { print line; break }
    close(file)

    # "id:controllers:path" (the path may hold colons); v2 is "0::path".
    section("self_cgroup")
    file = "/proc/self/cgroup"
    while ((getline line < file) > 0) {
        print line
        i = index(line, ":"); id = substr(line, 1, i - 1); rest = substr(line, i + 1)
        i = index(rest, ":"); controllers = substr(rest, 1, i - 1); path = substr(rest, i + 1)
        if (id == "0" && controllers == "") {
            if (!has_v2) { v2_path = path; has_v2 = 1 }
        } else {
            count = split(controllers, names, ",")
            for (j = 1; j <= count; j++) if (!(names[j] in v1_path)) v1_path[names[j]] = path
        }
    }
    close(file)

    # The cgroups of PID 1: the root cgroup of systemd in each hierarchy (see service_cgroup).
    file = "/proc/1/cgroup"
    while ((getline line < file) > 0) {
        i = index(line, ":"); id = substr(line, 1, i - 1); rest = substr(line, i + 1)
        i = index(rest, ":"); controllers = substr(rest, 1, i - 1); path = substr(rest, i + 1)
        if (path ~ /\/init\.scope$/) systemd = 1
        if (id == "0" && controllers == "") {
            if (!pid1_has_v2) { pid1_v2 = path; pid1_has_v2 = 1 }
        } else {
            count = split(controllers, names, ",")
            for (j = 1; j <= count; j++) if (!(names[j] in pid1_v1)) pid1_v1[names[j]] = path
        }
    }
    close(file)

    # The slice whose cgroup was measured; empty when it is our own (no systemd as PID 1).
    section("service_slice")
    if (systemd) print slice

    # One line per cgroup mount: fstype, root inside the hierarchy, mount
    # point, super options (which name the v1 controllers). A mount stacked
    # on an identical one (as in some containers) is listed once.
    section("cgroup_mounts")
    file = "/proc/self/mountinfo"
    while ((getline line < file) > 0) {
        count = split(line, field, " ")
        for (i = 7; i < count; i++) if (field[i] == "-") {
            if (field[i + 1] == "cgroup" || field[i + 1] == "cgroup2") {
                mount = field[i + 1] " " field[4] " " field[5] " " field[i + 3]
                if (!(mount in listed)) { listed[mount] = 1; print mount; mounts[++mount_count] = mount }
            }
            break
        }
    }
    close(file)

    section("cgroup_limits")
    for (k = 1; k <= mount_count; k++) {
        split(mounts[k], mount_field, " ")
        if (mount_field[1] == "cgroup2") {
            if (has_v2) walk(mount_field[3], mount_field[2], service_cgroup(pid1_v2, v2_path), "cpu.max memory.max")
        } else {
            options = "," mount_field[4] ","
            if (index(options, ",cpu,") && ("cpu" in v1_path))
                walk(mount_field[3], mount_field[2], service_cgroup(pid1_v1["cpu"], v1_path["cpu"]),
                     "cpu.cfs_quota_us cpu.cfs_period_us")
            if (index(options, ",memory,") && ("memory" in v1_path))
                walk(mount_field[3], mount_field[2], service_cgroup(pid1_v1["memory"], v1_path["memory"]),
                     "memory.limit_in_bytes")
        }
    }

    # The first occurrence of each interesting key: the x86 flags line
    # repeats once per CPU, and the Pi kernel adds Hardware/Model at the end.
    section("cpuinfo")
    file = "/proc/cpuinfo"
    while ((getline line < file) > 0) {
        if (line !~ /^(model name|Hardware|Revision|Model|Processor|CPU implementer|CPU part|CPU architecture|flags|Features)[ \t]*:/) continue
        key = substr(line, 1, index(line, ":") - 1)
        sub(/[ \t]+$/, "", key)
        if (!(key in seen)) { seen[key] = 1; print line }
    }
    close(file)

    section("pid1_cgroup")
    print_file("/proc/1/cgroup")

    section("os_release")
    file = "/etc/os-release"
    found = (getline line < file)
    if (found < 0) { file = "/usr/lib/os-release"; found = (getline line < file) }
    while (found > 0) { print line; found = (getline line < file) }
    close(file)

    # "Linux": the OS of the platform a release is built for.
    section("ostype")
    print_file("/proc/sys/kernel/ostype")

    # What node is, read from files instead of starting it (main says when):
    # the #define lines of its own headers that give its version, its ABI and,
    # when it bundles libuv, the version of libuv ("<file>: #define ..."); and the
    # dpkg records of the packages of a Debian-packaged node (nodejs, libnodeN,
    # libuv1...). Only the fields the parser reads; each record starts at its
    # Package line.
    section("node_headers")
    if (node_headers != "") {
        defines(node_headers "/node_version.h", "node_version.h",
                "^#define[ \t]+NODE_(MAJOR_VERSION|MINOR_VERSION|PATCH_VERSION|MODULE_VERSION|VERSION_IS_RELEASE)[ \t]")
        defines(node_headers "/uv/version.h", "uv/version.h",
                "^#define[ \t]+UV_VERSION_(MAJOR|MINOR|PATCH|IS_RELEASE)[ \t]")
    }
    section("node_packages")
    if (dpkg_status != "") {
        keep = 0
        while ((getline line < dpkg_status) > 0) {
            if (line ~ /^Package: /) {
                if (substr(line, 10) > "nodejs") break  # dpkg keeps its records sorted by name
                keep = substr(line, 10) ~ /^(nodejs|libnode[0-9]+|libuv1[a-z0-9]*)$/
                if (keep) print line
            } else if (keep && line ~ /^(Status|Architecture|Version|Depends): /) print line
        }
        close(dpkg_status)
    }
}'

# The same sections with builtins only, where there is no awk: slower, and
# without cgroup limits or cpuinfo.
without_awk() {
    section cpus_allowed
    if [ -r /proc/self/status ]; then
        while IFS= read -r _line; do
            case $_line in Cpus_allowed_list:*) printf '%s\n' "$_line"; break ;; esac
        done < /proc/self/status
    fi
    section self_cgroup
    print_file /proc/self/cgroup
    section service_slice
    section cgroup_mounts
    section cgroup_limits
    section cpuinfo
    section pid1_cgroup
    print_file /proc/1/cgroup
    section os_release
    if [ -r /etc/os-release ]; then
        print_file /etc/os-release
    else
        print_file /usr/lib/os-release
    fi
    section ostype
    first_line /proc/sys/kernel/ostype
    section node_headers
    section node_packages
}

# What systemd-detect-virt answers cannot change while the kernel's boot id and
# PID 1's start time (ticks since boot; a new container has a new PID 1) stay
# the same: "<boot id>:<start time>", empty when either is unreadable.
virt_key() {
    virt_key=
    _boot='' _stat=''
    read -r _boot < /proc/sys/kernel/random/boot_id 2>/dev/null || return 0
    read -r _stat < /proc/1/stat 2>/dev/null || return 0
    # Field 22 is the 20th after the command name, which ends at the last ")".
    _stat=${_stat##*) }
    set -f
    # shellcheck disable=SC2086 # split into fields on purpose (globbing is off)
    set -- $_stat
    set +f
    [ -n "$_boot" ] && [ -n "${20-}" ] && virt_key=$_boot:${20}
}

# True when systemd-detect-virt --container (of systemd 252 or later, whose
# detect_container() this follows) would answer from a marker file: nothing it
# looks at before them is there (OpenVZ's /proc/vz, WSL in the kernel release,
# a tracer such as proot's, /run/host/container-manager, /run/systemd/container,
# PID 1's environment, which only root may read), and exactly one of
# /run/.containerenv (podman) and /.dockerenv (docker) exists.
container_from_files() {
    [ -e /run/.containerenv ] && [ -e /.dockerenv ] && return 1
    [ -e /run/.containerenv ] || [ -e /.dockerenv ] || return 1
    _version=${systemd_library#libsystemd-shared-}
    _version=${_version%%[!0-9]*}
    [ "${_version:-0}" -ge 252 ] || return 1
    [ -e /proc/vz ] || [ -e /run/host/container-manager ] || [ -e /run/systemd/container ] && return 1
    [ -r /proc/1/environ ] && return 1
    _line=
    read -r _line < /proc/sys/kernel/osrelease 2>/dev/null
    case $_line in *Microsoft*|*WSL*|'') return 1 ;; esac
    _tracer=
    while IFS= read -r _line; do
        case $_line in TracerPid:*) _tracer=${_line#TracerPid:}; break ;; esac
    done < /proc/self/status
    # shellcheck disable=SC2086 # split on purpose: the value is a number between blanks
    set -- $_tracer
    [ "${1-}" = 0 ]
}

# systemd-detect-virt without an option prints the container it finds, else the
# VM, else "none": one exec answers both questions unless it names a container
# (then --vm is asked too) or a name this list does not know (then both are
# asked, as systemd-detect-virt --vm and --container). Sets $virt_vm and
# $virt_container, empty when systemd-detect-virt is missing.
#
# In a container its marker file often says what systemd-detect-virt --container
# would (container_from_files): then --vm alone is asked, and the container
# section stays empty (the parser reads the marker, and says so). --vm is about
# the machine beneath, the same in the containers of one kernel (boot id) and
# systemd version that see the same architecture, DMI, device tree and cpuinfo
# (the caller compares those sections): a caller that shares the answer between
# them (shared_vm) asks it once per machine itself, and $virt_vm_shared says so.
detect_virt() {
    virt_vm='' virt_container='' virt_vm_shared=''
    [ -n "$boot_known" ] && return 0
    has systemd-detect-virt || return 0
    if container_from_files; then
        if [ -n "$shared_vm" ] && [ -n "$virt_key" ]; then
            virt_vm_shared=${virt_key%%:*}
            return 0
        fi
        virt_vm=$(systemd-detect-virt --vm 2>/dev/null)
        return 0
    fi
    _virt=$(systemd-detect-virt 2>/dev/null)
    case $_virt in
        none)
            virt_vm=none virt_container=none ;;
        kvm|amazon|qemu|bochs|xen|uml|vmware|oracle|microsoft|zvm|parallels|bhyve|qnx|acrn|powervm|apple|sre|google|vm-other)
            virt_vm=$_virt virt_container=none ;;
        systemd-nspawn|lxc-libvirt|lxc|openvz|docker|podman|rkt|wsl|proot|pouch|container-other)
            virt_vm=$(systemd-detect-virt --vm 2>/dev/null) virt_container=$_virt ;;
        *)
            virt_vm=$(systemd-detect-virt --vm 2>/dev/null)
            virt_container=$(systemd-detect-virt --container 2>/dev/null) ;;
    esac
}

# Every section, in order; stdin holds node's versions, if node was started.
probe() {
    section probe
    echo 'fleetctl-probe 1'

    section hostname
    first_line /proc/sys/kernel/hostname

    # The machine and its userland's word size cannot change within one boot and
    # PID 1 either: when the caller knows them (boot_known), they are not asked.
    section uname_m
    [ -n "$boot_known" ] || kernel_machine || uname -m 2>/dev/null

    # LONG_BIT only tells a 32-bit userland on a 64-bit kernel apart; an empty section means 64-bit.
    section long_bit
    [ -n "$boot_known" ] || ! userland_may_be_32_bit || getconf LONG_BIT 2>/dev/null

    section cpu_online
    first_line /sys/devices/system/cpu/online

    section nprocessors_onln
    [ -r /sys/devices/system/cpu/online ] || { has getconf && getconf _NPROCESSORS_ONLN 2>/dev/null; }

    section meminfo
    first_line /proc/meminfo

    if has awk; then
        awk -v node_headers="$node_headers" -v dpkg_status="$node_dpkg_status" -v slice="$slice" "$probe_awk" 2>/dev/null
    else
        without_awk
    fi

    # A NUL ends the model string; read drops it (as tr -d '\000' did).
    section device_tree_model
    for _f in /proc/device-tree/model /sys/firmware/devicetree/base/model; do
        if [ -r "$_f" ]; then first_line "$_f"; break; fi
    done

    detect_virt
    section virt_key
    printf '%s\n' "$virt_key"

    section systemd_detect_virt_vm
    [ -n "$virt_vm" ] && printf '%s\n' "$virt_vm"

    section systemd_detect_virt_container
    [ -n "$virt_container" ] && printf '%s\n' "$virt_container"

    # "<boot id> <systemd library>" when --vm was left to the caller (detect_virt).
    section vm_shared
    [ -n "$virt_vm_shared" ] && printf '%s %s\n' "$virt_vm_shared" "$systemd_library"

    section container_markers
    for _f in /.dockerenv /run/.containerenv; do
        [ -e "$_f" ] && printf '%s\n' "$_f"
    done

    section run_systemd_container
    first_line /run/systemd/container

    section dmi
    labelled /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/product_name

    section pid1_comm
    first_line /proc/1/comm

    section run_systemd_system
    [ -d /run/systemd/system ] && echo present

    section systemctl_version
    [ -z "$systemd_library" ] && has systemctl && systemctl --version 2>/dev/null

    section systemd_shared_library
    [ -n "$systemd_library" ] && printf '%s\n' "$systemd_library"

    # The C library native addons link against, told by its dynamic loader's
    # name (globs: no process; ld64.so.* is glibc's on ppc64le and s390x).
    # Both kinds exist where one is an extra: Debian's musl package links
    # /lib/ld-musl-*.so.1 into its own folder, and Alpine's gcompat puts a
    # glibc-named loader beside musl's own file. So each is printed as
    # "file PATH" or "link PATH" and the parser decides. The multiarch folders
    # (/lib/*/) cost a scan of every folder in /lib (about a millisecond):
    # they are looked at only when no loader was found above them.
    section libc_loaders
    _loaders=
    for _f in /lib/ld-musl-*.so.1 /lib/ld-linux*.so* /lib64/ld-linux*.so* /lib/ld64.so.* /lib64/ld64.so.*; do
        print_loader "$_f" && _loaders=found
    done
    if [ -z "$_loaders" ]; then
        for _f in /lib/*/ld-linux*.so*; do print_loader "$_f"; done
    fi

    # Free space where releases are unpacked: statfs(2) of /opt itself (else /),
    # by stat -f in GNU coreutils and busybox alike. Not df: busybox df stats
    # every mount point listed before the one it looks for, so a dead network
    # mount there hangs it, and busybox df has no -l to skip those.
    section opt_free
    _dir=/
    [ -d /opt ] && _dir=/opt
    stat -f -c '%n %a %S' "$_dir" 2>/dev/null

    section node_identity
    printf '%s\n' "$node_identity"

    section node_versions
    while IFS= read -r _line; do printf '%s\n' "$_line"; done

    section end
}

# ---- main: everything above only defines functions ----

# Node.js takes longest to start (most of the probe's time on a Pi), so when it
# must run it starts first, in parallel with every other section; its output
# waits in the pipe and is printed last, in its own section.
# $1, when given, is the identity (device:inode:size:mtime of node and of a
# shared libuv) of a node whose versions and ABI the caller already knows: when
# it still matches, node is not started at all. $2, when given, is the virt_key
# under which the caller knows systemd-detect-virt's answers: while it matches,
# systemd-detect-virt, uname and getconf are not started. $3 names the slice of
# the app's service (its name only: letters, digits, ":", "_", ".", "-"). $4,
# when not empty, says the caller asks systemd-detect-virt --vm itself, once per
# machine, for the containers whose marker file tells the container (detect_virt).
known_node=${1-}
known_virt=${2-}
slice=${3:-system.slice}
shared_vm=${4-}
virt_key
# systemd's version is in the name of its shared library (libsystemd-shared-252.so),
# which saves starting systemctl; when that name is not found, or not just one,
# systemctl --version tells.
systemd_library=
if has systemctl; then
    for _f in /usr/lib/systemd/libsystemd-shared-[0-9]*.so /lib/systemd/libsystemd-shared-[0-9]*.so \
              /usr/lib/*/systemd/libsystemd-shared-[0-9]*.so /usr/lib64/systemd/libsystemd-shared-[0-9]*.so; do
        [ -e "$_f" ] || continue
        _f=${_f##*/}
        case $systemd_library in
            "") systemd_library=$_f ;;
            "$_f") ;;
            *) systemd_library=several ;;
        esac
    done
    [ "$systemd_library" = several ] && systemd_library=
fi
boot_known=
[ -n "$virt_key" ] && [ "$virt_key" = "$known_virt" ] && boot_known=yes
node_identity=
if has node; then
    # command -v without the $(...) subshell: the first executable node on $PATH.
    _node=
    _ifs=$IFS; IFS=:; set -f
    for _dir in $PATH; do
        if [ -f "${_dir:-.}/node" ] && [ -x "${_dir:-.}/node" ]; then _node=${_dir:-.}/node; break; fi
    done
    IFS=$_ifs; set +f
    [ -n "$_node" ] && node_identity=$(stat -L -c '%d:%i:%s:%Y' "$_node" /usr/lib/*/libuv.so.1 /lib/*/libuv.so.1 2>/dev/null)
    # One line: word splitting joins stat's lines with single spaces.
    set -f
    # shellcheck disable=SC2086 # split on purpose (globbing is off)
    set -- $node_identity
    node_identity=$*
    set +f
fi
# A node the caller does not know is first read from files, which costs the
# host almost nothing where starting node costs it tens of milliseconds (V8;
# Debian's node also links a 45 MB libnode): its own headers in the install
# prefix beside it (a node installed by Node's own installer: the official
# tarballs, nvm, n, NodeSource's packages), read only when node is that
# prefix's file and not a link to another install; and dpkg's records where
# node is Debian's packaged /usr/bin/node. The parser takes the answer from
# them, or the caller starts node when they do not give a whole one. Node is
# started here only when there is neither (or no awk to read them).
node_headers='' node_dpkg_status=''
if [ -n "$node_identity" ] && [ "$node_identity" != "$known_node" ] && has awk && [ ! -h "$_node" ]; then
    case $_node in
        /*/bin/node)
            _prefix=${_node%/bin/node}
            [ -r "$_prefix/include/node/node_version.h" ] && node_headers=$_prefix/include/node ;;
    esac
    # Headers with uv/version.h say everything: node bundles that libuv.
    if [ -z "$node_headers" ] || [ ! -r "$node_headers/uv/version.h" ]; then
        case $_node in
            /usr/bin/node|/bin/node) [ -r /var/lib/dpkg/status ] && node_dpkg_status=/var/lib/dpkg/status ;;
        esac
    fi
fi
if [ -n "$node_identity" ] && [ "$node_identity" != "$known_node" ] && [ -z "$node_headers$node_dpkg_status" ]; then
    node -p 'process.versions.node+" "+process.versions.uv+" "+process.versions.modules' 2>/dev/null | probe
else
    probe < /dev/null
fi
exit 0
