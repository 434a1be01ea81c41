"""probe.sh run for real in this machine's shells: the sections it prints and what it reads, starts or skips.

Every test that runs probe.sh in a shell is in this module.
"""

import os
import platform
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from fleetctl.domain import Platform
from fleetctl.facts import Facts, ProbeParseError, gather, parse_probe, parsers, probe_script
from fleetctl.facts.model import KnownVirt, NodeVersions
from fleetctl.facts.parse import detected_virt, node_identity, with_shared_vm
from fleetctl.facts.sections import split_sections
from fleetctl.transport import LocalTransport

SHELLS = [["dash", "-s"], ["busybox", "sh", "-s"], ["bash", "--posix", "-s"]]
MIB = 1024 * 1024


def steady(facts: Facts) -> Facts:
    """Facts without the free disk, which moves between two probes a moment apart on a busy machine."""
    return replace(facts, opt_free_mb=None)


@pytest.mark.parametrize("shell", [["dash", "-s"], ["busybox", "sh", "-s"], ["bash", "--posix", "-s"]])
def test_probe_script_runs_locally_and_parses(shell):
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    done = subprocess.run(shell, input=probe_script(), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    facts = parse_probe(done.stdout)
    assert isinstance(facts, Facts)
    assert facts.hostname == Path("/proc/sys/kernel/hostname").read_text().strip()
    assert facts.cpus_online == os.cpu_count()
    assert facts.cpus_affinity == len(os.sched_getaffinity(0))
    assert facts.arch == os.uname().machine.replace("amd64", "x86_64")
    assert facts.memory_total_mb > 0


# Every section probe.sh prints, in order, whatever the host lacks.
SECTIONS = [
    "probe", "hostname", "uname_m", "long_bit", "cpu_online", "nprocessors_onln", "meminfo",
    "cpus_allowed", "self_cgroup", "service_slice", "cgroup_mounts", "cgroup_limits", "cpuinfo", "pid1_cgroup",
    "os_release", "ostype", "node_headers", "node_packages", "device_tree_model", "virt_key", "systemd_detect_virt_vm",
    "systemd_detect_virt_container", "vm_shared",
    "container_markers", "run_systemd_container", "dmi", "pid1_comm", "run_systemd_system", "systemctl_version",
    "systemd_shared_library", "libc_loaders", "opt_free", "node_identity", "node_versions", "end",
]


def _headers(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line.startswith("==> ")]


def _fake_roots(script: str, root: Path) -> str:
    """probe.sh reading /proc and /sys under root instead."""
    return script.replace("/proc/", f"{root}/proc/").replace("/sys/", f"{root}/sys/")


def _bin_without(tmp_path: Path, *missing: str) -> Path:
    """A PATH directory with every command of PATH but the missing ones (symlinks)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for folder in reversed(os.environ["PATH"].split(os.pathsep)):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = Path(folder) / name
            if name not in missing and os.access(target, os.X_OK) and not target.is_dir():
                link = directory / name
                link.unlink(missing_ok=True)
                link.symlink_to(target)
    return directory


def test_probe_script_survives_missing_files(tmp_path):
    # Without /proc and /sys (a chroot, a locked-down host) every section still
    # prints; only the facts a plan cannot do without are missing.
    done = subprocess.run(["dash", "-s"], input=_fake_roots(probe_script(), tmp_path),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    assert _headers(done.stdout) == SECTIONS
    with pytest.raises(ProbeParseError, match="probe output has no"):
        parse_probe(done.stdout)


def test_probe_script_without_awk_prints_every_section_with_builtins(tmp_path):
    # awk reads the whole files; without it the shell's builtins read what they
    # can (no cgroup limits, no cpuinfo), and the same sections are printed.
    with_awk = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30)
    env = dict(os.environ, PATH=str(_bin_without(tmp_path, "awk")))
    without = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30, env=env)
    assert without.returncode == 0, without.stderr
    assert _headers(without.stdout) == SECTIONS
    full, degraded = parse_probe(with_awk.stdout), parse_probe(without.stdout)
    for fact in ("hostname", "arch", "os", "libc", "node_abi", "cpus_online", "cpus_affinity", "memory_total_mb",
                 "os_pretty", "kind"):
        assert getattr(degraded, fact) == getattr(full, fact), fact
    sections = split_sections(without.stdout)
    assert sections["self_cgroup"] == Path("/proc/self/cgroup").read_text().strip("\n")
    assert sections["cgroup_limits"] == sections["cpuinfo"] == ""


def test_probe_script_prints_the_same_under_mawk_and_busybox_awk(tmp_path):
    assert shutil.which("busybox"), "busybox is needed for this test"
    mawk = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30)
    awk = tmp_path / "bin" / "awk"
    awk.parent.mkdir()
    awk.symlink_to(shutil.which("busybox"))  # busybox runs its applet named by argv[0]
    env = dict(os.environ, PATH=f"{awk.parent}{os.pathsep}{os.environ['PATH']}")
    busybox = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30, env=env)
    # Only self_cgroup, cgroup_limits and cpus_allowed describe the reading
    # process itself, and both awks run in the same cgroup with the same mask.
    # The free disk is not awk's, and moves between two runs on a busy machine.
    free_disk = re.compile(r"(==> opt_free <==\n\S+) \d+ ")
    assert free_disk.sub(r"\1 N ", busybox.stdout) == free_disk.sub(r"\1 N ", mawk.stdout)


def _limits(tmp_path: Path, self_cgroup: str, mountinfo: list[str]) -> list[str]:
    """The cgroup_limits section of probe.sh run on a fake /proc/self and cgroup tree under tmp_path."""
    _write(tmp_path / "proc/self/cgroup", self_cgroup)
    _write(tmp_path / "proc/self/mountinfo", "\n".join(mountinfo))
    done = subprocess.run(["dash", "-s"], input=_fake_roots(probe_script(), tmp_path),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    body = split_sections(done.stdout)["cgroup_limits"]
    return [line.replace(str(tmp_path / "cgroup"), "MNT") for line in body.splitlines()]


def _service_limits(tmp_path: Path, self_cgroup: str, pid1_cgroup: str, mountinfo: list[str],
                    slice_name: str | None = None) -> tuple[str, list[str]]:
    """(service_slice, cgroup_limits) of probe.sh run with PID 1's cgroups too, and a slice when given."""
    _write(tmp_path / "proc/1/cgroup", pid1_cgroup)
    _write(tmp_path / "proc/self/cgroup", self_cgroup)
    _write(tmp_path / "proc/self/mountinfo", "\n".join(mountinfo))
    arguments = ["--", "", "", slice_name] if slice_name else []
    done = subprocess.run(["dash", "-s", *arguments], input=_fake_roots(probe_script(), tmp_path),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    sections = split_sections(done.stdout)
    return sections["service_slice"], [line.replace(str(tmp_path / "cgroup"), "MNT")
                                       for line in sections["cgroup_limits"].splitlines()]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def _cgroup_dirs(root: Path, *relative: str) -> None:
    """Cgroup directories: each has a cgroup.procs, as the kernel's do."""
    for folder in relative:
        _write(root / folder / "cgroup.procs", "")


def _mount(root: Path, fstype: str, mount_root: str, options: str = "rw") -> str:
    return f"30 25 0:26 {mount_root} {root / 'cgroup'} rw,nosuid - {fstype} {fstype} {options}"


def test_cgroup_walk_reads_every_level_up_to_the_mount(tmp_path):
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".", "system.slice", "system.slice/app.service")
    _write(cgroup / "system.slice/app.service/memory.max", "max")
    _write(cgroup / "system.slice/memory.max", "536870912")
    _write(cgroup / "system.slice/cpu.max", "50000 100000")
    lines = _limits(tmp_path, "0::/system.slice/app.service", [_mount(tmp_path, "cgroup2", "/")])
    assert lines == [
        "MNT/system.slice/app.service/memory.max: max",
        "MNT/system.slice/cpu.max: 50000 100000",
        "MNT/system.slice/memory.max: 536870912",
    ]


def test_cgroup_walk_strips_the_mount_root(tmp_path):
    # Docker on cgroup v1 without a cgroup namespace: the mount's root is the
    # container's own cgroup, which /proc/self/cgroup names in full.
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".")
    _write(cgroup / "cpu.cfs_quota_us", "150000")
    _write(cgroup / "cpu.cfs_period_us", "100000")
    lines = _limits(tmp_path, "4:cpu,cpuacct:/docker/abc", [_mount(tmp_path, "cgroup", "/docker/abc", "rw,cpu,cpuacct")])
    assert lines == ["MNT/cpu.cfs_quota_us: 150000", "MNT/cpu.cfs_period_us: 100000"]


def test_cgroup_walk_falls_back_to_the_mount_when_our_path_is_not_visible(tmp_path):
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".")
    _write(cgroup / "memory.max", "268435456")
    lines = _limits(tmp_path, "0::/docker/abc/elsewhere", [_mount(tmp_path, "cgroup2", "/")])
    assert lines == ["MNT/memory.max: 268435456"]


def test_a_mount_stacked_on_an_identical_one_is_walked_once(tmp_path):
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".", "docker", "docker/abc")
    _write(cgroup / "docker/abc/memory.limit_in_bytes", "1073741824")
    mount = _mount(tmp_path, "cgroup", "/", "rw,memory")
    lines = _limits(tmp_path, "4:memory:/docker/abc", [mount, mount.replace("30 25", "31 30"), mount])
    assert lines == ["MNT/docker/abc/memory.limit_in_bytes: 1073741824"]


def test_the_limits_are_the_services_slices_not_the_ssh_logins(tmp_path):
    # The login runs in user.slice, which has no quota; the service will run in system.slice, which has.
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".", "init.scope", "system.slice", "user.slice", "user.slice/user-1000.slice")
    _write(cgroup / "system.slice/cpu.max", "50000 100000")
    _write(cgroup / "user.slice/cpu.max", "max 100000")
    slice_name, lines = _service_limits(tmp_path, "0::/user.slice/user-1000.slice", "0::/init.scope",
                                        [_mount(tmp_path, "cgroup2", "/")])
    assert (slice_name, lines) == ("system.slice", ["MNT/system.slice/cpu.max: 50000 100000"])


def test_a_nested_slice_is_read_from_its_nearest_level_that_exists(tmp_path):
    # fleet-web.slice lives in fleet.slice; until a unit starts in it, only its parent exists.
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".", "docker/abc", "docker/abc/init.scope", "docker/abc/fleet.slice")
    _write(cgroup / "docker/abc/fleet.slice/memory.max", "268435456")
    slice_name, lines = _service_limits(tmp_path, "0::/docker/abc/user.slice", "0::/docker/abc/init.scope",
                                        [_mount(tmp_path, "cgroup2", "/")], slice_name="fleet-web.slice")
    assert (slice_name, lines) == ("fleet-web.slice", ["MNT/docker/abc/fleet.slice/memory.max: 268435456"])


def test_a_v1_controller_systemd_leaves_alone_holds_the_services_where_pid_1_is(tmp_path):
    # cgroup v1, as the lab's containers see the host's: systemd manages memory (init.scope there), not cpu.
    cpu, memory = tmp_path / "cgroup", tmp_path / "memory"
    _cgroup_dirs(cpu, ".", "docker/abc")
    _cgroup_dirs(memory, ".", "docker/abc", "docker/abc/system.slice")
    _write(cpu / "docker/abc/cpu.cfs_quota_us", "150000")
    _write(cpu / "docker/abc/cpu.cfs_period_us", "100000")
    _write(memory / "docker/abc/system.slice/memory.limit_in_bytes", "536870912")
    memory_mount = f"31 25 0:27 / {memory} rw,nosuid - cgroup cgroup rw,memory"
    slice_name, lines = _service_limits(
        tmp_path, "2:cpu:/docker/abc\n1:memory:/docker/abc/user.slice",
        "2:cpu:/docker/abc\n1:memory:/docker/abc/init.scope",
        [_mount(tmp_path, "cgroup", "/", "rw,cpu"), memory_mount])
    assert slice_name == "system.slice"
    assert [line.replace(str(memory), "MEM") for line in lines] == [
        "MNT/docker/abc/cpu.cfs_quota_us: 150000", "MNT/docker/abc/cpu.cfs_period_us: 100000",
        "MEM/docker/abc/system.slice/memory.limit_in_bytes: 536870912"]


def test_without_systemd_as_pid_1_the_limits_are_the_probes_own(tmp_path):
    cgroup = tmp_path / "cgroup"
    _cgroup_dirs(cgroup, ".", "app")
    _write(cgroup / "app/memory.max", "268435456")
    slice_name, lines = _service_limits(tmp_path, "0::/app", "0::/", [_mount(tmp_path, "cgroup2", "/")])
    assert (slice_name, lines) == ("", ["MNT/app/memory.max: 268435456"])


def test_device_tree_model_loses_its_nul(tmp_path):
    model = tmp_path / "proc/device-tree/model"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\x00")
    done = subprocess.run(["dash", "-s"], input=_fake_roots(probe_script(), tmp_path),
                          capture_output=True, text=True, timeout=30)
    assert split_sections(done.stdout)["device_tree_model"] == "Raspberry Pi 4 Model B Rev 1.4"


FAKE_DETECT_VIRT = """#!/bin/sh
echo "$*" >> "$CALLS"
case ${1-} in
    --vm) echo "$VM" ;;
    --container) echo "$CONTAINER" ;;
    *) if [ "$CONTAINER" != none ]; then echo "$CONTAINER"; else echo "$VM"; fi ;;
esac
"""


@pytest.mark.parametrize(
    "vm, container, calls",
    [
        ("none", "none", [""]),                      # bare metal: one exec answers both
        ("kvm", "none", [""]),                       # a VM: the same
        ("kvm", "docker", ["", "--vm"]),             # a container: the VM beneath is asked too
        ("none", "lxc", ["", "--vm"]),
        ("newvm", "none", ["", "--vm", "--container"]),  # a name the probe does not know: both asked
    ],
)
def test_systemd_detect_virt_is_started_once_unless_the_answer_names_a_container(tmp_path, vm, container, calls):
    fake = tmp_path / "fake" / "systemd-detect-virt"
    fake.parent.mkdir()
    fake.write_text(FAKE_DETECT_VIRT)
    fake.chmod(0o755)
    log = tmp_path / "calls"
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", VM=vm, CONTAINER=container,
               CALLS=str(log))
    done = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30, env=env)
    sections = split_sections(done.stdout)
    assert (sections["systemd_detect_virt_vm"], sections["systemd_detect_virt_container"]) == (vm, container)
    assert log.read_text().splitlines() == calls


def test_systemd_detect_virt_is_not_started_while_the_callers_key_holds(tmp_path):
    fake = tmp_path / "fake" / "systemd-detect-virt"
    fake.parent.mkdir()
    fake.write_text(FAKE_DETECT_VIRT)
    fake.chmod(0o755)
    log = tmp_path / "calls"
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", VM="kvm", CONTAINER="docker",
               CALLS=str(log))

    def probe(*arguments: str) -> str:
        return subprocess.run(["dash", "-s", "--", *arguments], input=probe_script(), capture_output=True,
                              text=True, timeout=30, env=env).stdout

    first = probe()
    key = split_sections(first)["virt_key"]
    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert key.startswith(boot_id + ":") and key.split(":")[1].isdigit()
    assert log.read_text().splitlines() == ["", "--vm"]
    known = KnownVirt(key, "kvm", "docker", platform.machine(), split_sections(first)["long_bit"].strip())
    assert detected_virt(first) == known and known.long_bit in ("32", "64", "")  # "": no 32-bit loader here

    again = probe("", key)
    assert log.read_text().splitlines() == ["", "--vm"]  # not started again
    sections = split_sections(again)
    assert sections["systemd_detect_virt_vm"] == sections["systemd_detect_virt_container"] == ""
    assert sections["uname_m"] == sections["long_bit"] == ""  # nor uname and getconf
    assert steady(parse_probe(again, known_virt=known)) == steady(parse_probe(first))
    assert detected_virt(again) is None

    probe("", "another-boot:1")  # a reboot, or a new container: asked again
    assert log.read_text().splitlines() == ["", "--vm", "", "--vm"]


def test_systemd_version_comes_from_the_library_name_without_starting_systemctl(tmp_path):
    fake = tmp_path / "fake" / "systemctl"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho started >> "$CALLS"\necho "systemd 1 (fake)"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", CALLS=str(tmp_path / "calls"))
    done = subprocess.run(["dash", "-s"], input=probe_script(), capture_output=True, text=True, timeout=30, env=env)
    sections = split_sections(done.stdout)
    libraries = {path.name for pattern in ("/usr/lib/systemd/libsystemd-shared-[0-9]*.so",
                                           "/usr/lib/*/systemd/libsystemd-shared-[0-9]*.so")
                 for path in Path("/").glob(pattern.lstrip("/"))}
    if len(libraries) == 1:
        assert sections["systemd_shared_library"] == libraries.pop()
        assert sections["systemctl_version"] == "" and not (tmp_path / "calls").exists()
    else:  # no (or more than one) library: systemctl tells
        assert sections["systemctl_version"] == "systemd 1 (fake)"


# --- told what the caller knows (the probe cache), through gather on this machine ---------


def test_a_probe_told_the_current_identity_skips_node_and_uses_the_known_versions():
    with LocalTransport() as transport:
        raw, facts = gather(transport)
        identity = node_identity(raw)
        assert identity and facts.node_version
        known = NodeVersions(identity, "0.0.1-cached", "9.9.9", "1")
        raw_again, facts_again = gather(transport, known_node=known)
    assert "==> node_versions <==\n==> end <==" in raw_again  # node was not started
    assert (facts_again.node_version, facts_again.libuv_version, facts_again.node_abi) == ("0.0.1-cached", "9.9.9", "1")
    assert facts_again.platform is not None and facts_again.platform.node_abi == "1"


def test_known_versions_without_the_abi_do_not_stop_node_from_being_asked():
    with LocalTransport() as transport:
        raw, facts = gather(transport)
        stale = NodeVersions(node_identity(raw), "0.0.1-cached", "9.9.9")  # as cached before the ABI was
        raw_again, facts_again = gather(transport, known_node=stale)
    assert facts_again.node_abi == facts.node_abi and facts.node_abi.isdigit()
    assert facts_again.node_version == facts.node_version  # node was started: not the cached version


def test_a_changed_binary_is_read_again():
    with LocalTransport() as transport:
        raw, facts = gather(transport, known_node=NodeVersions("0:0:0:0", "0.0.1-stale", "0.0.0", "1"))
    assert facts.node_version != "0.0.1-stale" and facts.node_version == parse_probe(raw).node_version


def test_a_probe_with_known_virt_answers_sends_both_keys(tmp_path):
    with LocalTransport() as transport:
        raw, facts = gather(transport)
        known = detected_virt(raw)
        if known is None:
            return  # no systemd-detect-virt here: nothing is cached
        raw_again, facts_again = gather(transport, known_virt=known)
    assert replace(facts_again, opt_free_mb=None) == replace(facts, opt_free_mb=None)  # free disk moves meanwhile
    assert "==> systemd_detect_virt_vm <==\n==> systemd_detect_virt_container <==" in raw_again


# --- the platform and free disk, read for real ------------------------------------------


def run_probe(shell: list[str], script: str) -> str:
    assert shutil.which(shell[0]), f"{shell[0]} is needed for this test"
    done = subprocess.run(shell, input=script, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", SHELLS)
def test_the_probe_reports_this_machines_platform_and_free_disk(shell):
    output = run_probe(shell, probe_script())
    sections, facts = split_sections(output), parse_probe(output)
    assert facts.os == Path("/proc/sys/kernel/ostype").read_text().strip().lower() == "linux"
    assert facts.libc == "glibc"  # the development machine runs Debian
    node_abi = subprocess.run(["node", "-p", "process.versions.modules"], capture_output=True, text=True).stdout
    assert facts.node_abi == node_abi.strip()
    assert facts.platform == Platform("linux", facts.arch, "glibc", node_abi.strip())
    folder = "/opt" if os.path.isdir("/opt") else "/"
    assert sections["opt_free"].split()[0] == folder
    disk = os.statvfs(folder)
    # Other work on the machine writes meanwhile: the same to within 1 GiB.
    assert abs(facts.opt_free_mb - disk.f_bavail * disk.f_frsize // MIB) < 1024


def test_free_disk_is_measured_on_root_where_there_is_no_opt(tmp_path):
    script = probe_script().replace("[ -d /opt ] && _dir=/opt", f"[ -d {tmp_path}/opt ] && _dir={tmp_path}/opt")
    assert script != probe_script()
    folder, free, block_size = split_sections(run_probe(SHELLS[0], script))["opt_free"].split()
    assert folder == "/" and int(free) > 0 and int(block_size) > 0


def probe_with_lib_in(root: Path) -> str:
    """probe.sh looking for dynamic loaders under root instead of /lib and /lib64."""
    script = probe_script()
    loaders = script.index("section libc_loaders")
    end = script.index("section opt_free")
    part = script[loaders:end].replace(" /lib", f" {root}/lib")
    assert part != script[loaders:end]
    return script[:loaders] + part + script[end:]


def _file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x7fELF")


def _link(path: Path, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def alpine_with_gcompat(root: Path) -> None:
    _file(root / "lib/ld-musl-x86_64.so.1")
    _link(root / "lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
    _file(root / "lib/ld-linux-x86-64.so.2")  # gcompat's loader: a program of its own


def debian_with_musl(root: Path) -> None:
    _file(root / "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    _link(root / "lib64/ld-linux-x86-64.so.2", str(root / "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
    _file(root / "lib/x86_64-linux-musl/libc.so")
    _link(root / "lib/ld-musl-x86_64.so.1", "x86_64-linux-musl/libc.so")  # as Debian's musl package has it


def multiarch_only(root: Path) -> None:
    _file(root / "lib/aarch64-linux-gnu/ld-linux-aarch64.so.1")
    _file(root / "lib/aarch64-linux-gnu/libc.so.6")


def dangling_musl_link(root: Path) -> None:
    _link(root / "lib/ld-musl-x86_64.so.1", "x86_64-linux-musl/libc.so")  # the musl package half removed


def nothing(root: Path) -> None:
    (root / "lib").mkdir()


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("layout, lines, libc", [
    (alpine_with_gcompat, ["file R/lib/ld-musl-x86_64.so.1", "file R/lib/ld-linux-x86-64.so.2"], "musl"),
    (debian_with_musl, ["link R/lib/ld-musl-x86_64.so.1", "link R/lib64/ld-linux-x86-64.so.2"], "glibc"),
    (multiarch_only, ["file R/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"], "glibc"),
    (dangling_musl_link, [], None),
    (nothing, [], None),
], ids=lambda value: getattr(value, "__name__", None))
def test_the_probe_finds_the_loaders_by_globs(shell, tmp_path, layout, lines, libc):
    root = tmp_path / "root"
    root.mkdir()
    layout(root)
    body = split_sections(run_probe(shell, probe_with_lib_in(root)))["libc_loaders"]
    assert body.replace(str(root), "R").splitlines() == lines
    assert parsers.parse_libc(body) == libc


# --- a node nobody knows yet: read from its files, and asked only when they do not tell all ---------


def _fake_install(root: Path, headers: str) -> Path:
    """An install prefix whose bin/node runs this machine's node and logs each start; include/node holds headers."""
    node = root / "bin" / "node"
    node.parent.mkdir(parents=True)
    node.write_text(f'#!/bin/sh\necho started >> "{root}/starts"\nexec {shutil.which("node")} "$@"\n')
    node.chmod(0o755)
    (root / "include/node/node_version.h").parent.mkdir(parents=True)
    (root / "include/node/node_version.h").write_text(headers)
    return root


def _node_says() -> tuple[str, str, str]:
    done = subprocess.run(["node", "-p", parsers.NODE_VERSIONS_EXPRESSION], capture_output=True, text=True)
    node = parsers.parse_node_versions(done.stdout)
    assert node is not None, done.stderr
    return node.node, node.libuv, node.abi


def test_this_machines_node_is_read_from_its_files_and_node_agrees():
    # NodeSource's node 20 here, with its headers in /usr/include/node: the probe does not start it.
    output = run_probe(SHELLS[0], probe_script())
    facts = parse_probe(output)
    assert split_sections(output)["node_versions"] == ""
    assert (facts.node_version, facts.libuv_version, facts.node_abi) == _node_says()


def test_node_is_asked_over_the_same_connection_when_its_files_do_not_tell_all(tmp_path, monkeypatch):
    # Headers without uv/version.h and no dpkg records of this node: libuv's version is not known from files.
    major, minor, patch = _node_says()[0].split(".")
    install = _fake_install(tmp_path / "prefix", f"#define NODE_MAJOR_VERSION {major}\n#define NODE_MINOR_VERSION "
                            f"{minor}\n#define NODE_PATCH_VERSION {patch}\n#define NODE_VERSION_IS_RELEASE 1\n"
                            f"#define NODE_MODULE_VERSION {_node_says()[2]}\n")
    monkeypatch.setenv("PATH", f"{install / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with LocalTransport() as transport:
        raw, facts = gather(transport)
    sections = split_sections(raw)
    assert sections["node_versions"] == "" and sections["node_headers"]  # the probe read the files
    assert (install / "starts").read_text() == "started\n"  # and gather asked node once
    assert (facts.node_version, facts.libuv_version, facts.node_abi) == _node_says()


def test_node_is_started_by_the_probe_when_it_has_no_files_to_read(tmp_path, monkeypatch):
    install = _fake_install(tmp_path / "prefix", "")
    (install / "include/node/node_version.h").unlink()
    monkeypatch.setenv("PATH", f"{install / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with LocalTransport() as transport:
        raw, facts = gather(transport)
    assert split_sections(raw)["node_versions"]  # started by probe.sh, in parallel with the rest
    assert (install / "starts").read_text() == "started\n"
    assert (facts.node_version, facts.libuv_version, facts.node_abi) == _node_says()


def test_a_node_that_is_a_link_into_another_install_is_not_read_from_the_prefix_beside_the_link(tmp_path, monkeypatch):
    install = _fake_install(tmp_path / "prefix", "#define NODE_MAJOR_VERSION 1\n")  # headers that would lie
    (tmp_path / "linked/bin").mkdir(parents=True)
    (tmp_path / "linked/bin/node").symlink_to(install / "bin/node")
    (tmp_path / "linked/include").symlink_to(install / "include")
    monkeypatch.setenv("PATH", f"{tmp_path / 'linked/bin'}{os.pathsep}{os.environ['PATH']}")
    with LocalTransport() as transport:
        raw, facts = gather(transport)
    assert split_sections(raw)["node_headers"] == "" and split_sections(raw)["node_versions"]
    assert (facts.node_version, facts.libuv_version, facts.node_abi) == _node_says()


def test_the_probe_and_the_caller_ask_node_the_same_question():
    assert f"node -p '{parsers.NODE_VERSIONS_EXPRESSION}'" in probe_script()


def test_getconf_starts_only_where_a_32_bit_program_could_run(tmp_path):
    fake = tmp_path / "fake" / "getconf"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "$*" >> "$CALLS"\necho 32\n')
    fake.chmod(0o755)
    log = tmp_path / "calls"
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", CALLS=str(log))
    root = tmp_path / "root"
    # Only the first loader the probe looks for is moved under root; none of the others exists on this machine.
    others = ("/lib/ld-linux.so.3", "/lib/ld-linux-armhf.so.3", "/lib/ld-musl-i386.so.1", "/libx32/ld-linux-x32.so.2")
    assert not any(Path(path).exists() for path in others) and not list(Path("/lib").glob("ld-musl-arm*.so.1"))
    script = probe_script().replace("for _f in /lib/ld-linux.so.2 ", f"for _f in {root}/lib/ld-linux.so.2 ")
    assert script != probe_script()

    def probe() -> dict[str, str]:
        done = subprocess.run(["dash", "-s"], input=script, capture_output=True, text=True, timeout=30, env=env)
        return split_sections(done.stdout)

    assert probe()["long_bit"] == "" and not log.exists()  # a 64-bit userland only: getconf is not started
    _file(root / "lib/ld-linux.so.2")  # an i386 loader, as a 32-bit userland (or i386 multiarch) has
    sections = probe()
    assert sections["long_bit"] == "32" and log.read_text() == "LONG_BIT\n"
    assert parsers.parse_arch(sections["uname_m"], sections["long_bit"])[0] == \
        parsers.USERLAND_32_BIT.get(platform.machine(), platform.machine())


# --- a first probe that starts fewer programs: the container from its marker file, uname -m from the kernel -----


def _function(script: str, name: str) -> tuple[int, int]:
    """Where a shell function of the script starts and ends."""
    start = script.index(f"\n{name}() {{")
    return start, script.index("\n}\n", start)


def _in_function(script: str, name: str, old: str, new: str) -> str:
    start, end = _function(script, name)
    part = script[start:end]
    assert old in part, (name, old)
    return script[:start] + part.replace(old, new) + script[end:]


def _probe_with_fake(tmp_path: Path, program: str, text: str, script: str, *arguments: str,
                     **env: str) -> tuple[dict[str, str], list[str]]:
    fake = tmp_path / "fake" / program
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(text)
    fake.chmod(0o755)
    log = tmp_path / "calls"
    log.unlink(missing_ok=True)
    environment = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", CALLS=str(log), **env)
    done = subprocess.run(["dash", "-s", "--", *arguments], input=script, capture_output=True, text=True, timeout=30,
                          env=environment)
    assert done.returncode == 0, done.stderr
    return split_sections(done.stdout), log.read_text().splitlines() if log.exists() else []


def _as_login_user(script: str, tmp_path: Path) -> str:
    """probe.sh as a login user other than root sees it: PID 1's environment unreadable."""
    return _in_function(script, "container_from_files", "/proc/1/environ", str(tmp_path / "no-such-environ"))


def _in_a_docker_container(script: str, tmp_path: Path, login_user: bool = True) -> str:
    """probe.sh as it runs in a Docker container of systemd 252, whatever machine runs the test: /.dockerenv
    there and no other marker systemd-detect-virt looks at first, systemd's library of version 252, and PID 1's
    environment unreadable (a login user) or readable (root)."""
    marker, missing, environ = tmp_path / "dockerenv", tmp_path / "no-such-file", tmp_path / "pid1-environ"
    marker.touch()
    environ.write_text("container=docker\0")
    for path, instead in (("/.dockerenv", marker), ("/run/.containerenv", missing), ("/proc/vz", missing),
                          ("/run/host/container-manager", missing), ("/run/systemd/container", missing),
                          ("/proc/1/environ", missing if login_user else environ)):
        script = _in_function(script, "container_from_files", path, str(instead))
    found_library = "systemd_library=\nif has systemctl; then"
    assert script.count(found_library) == 1
    return script.replace(found_library, "systemd_library=libsystemd-shared-252.so\nif false; then")


def test_a_container_told_by_its_marker_file_asks_systemd_detect_virt_for_the_vm_only(tmp_path):
    sections, calls = _probe_with_fake(tmp_path, "systemd-detect-virt", FAKE_DETECT_VIRT,
                                       _in_a_docker_container(probe_script(), tmp_path), VM="kvm", CONTAINER="docker")
    assert calls == ["--vm"]
    assert (sections["systemd_detect_virt_vm"], sections["systemd_detect_virt_container"]) == ("kvm", "")
    raw = "\n".join(f"==> {name} <==\n{body}" for name, body in sections.items())
    facts = parse_probe(raw)
    assert (facts.virt_vm, facts.virt_container, facts.kind) == ("kvm", "docker", "container")
    assert facts.kind_evidence == "/.dockerenv exists"
    known = detected_virt(raw)
    assert known is not None and (known.vm, known.container) == ("kvm", "")  # cached: the marker is read again
    assert parse_probe(raw.replace("==> systemd_detect_virt_vm <==\nkvm", "==> systemd_detect_virt_vm <=="),
                       known_virt=known).virt_container == "docker"


def test_a_container_told_by_its_marker_file_leaves_the_vm_to_a_caller_who_shares_it(tmp_path):
    script = _in_a_docker_container(probe_script(), tmp_path)
    asked, calls = _probe_with_fake(tmp_path, "systemd-detect-virt", FAKE_DETECT_VIRT, script,
                                    VM="kvm", CONTAINER="docker")
    assert calls == ["--vm"]
    shared, calls = _probe_with_fake(tmp_path, "systemd-detect-virt", FAKE_DETECT_VIRT, script, "", "", "", "shared",
                                     VM="kvm", CONTAINER="docker")
    assert calls == []  # nothing started
    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert shared["vm_shared"] == f"{boot_id} {shared['systemd_shared_library']}"
    assert shared["systemd_detect_virt_vm"] == shared["systemd_detect_virt_container"] == ""

    def raw(sections: dict[str, str]) -> str:
        return "\n".join(f"==> {name} <==\n{body}" for name, body in sections.items())

    assert steady(parse_probe(with_shared_vm(raw(shared), "kvm"))) == steady(parse_probe(raw(asked)))
    assert asked["vm_shared"] == ""


def test_a_probe_asks_systemd_detect_virt_itself_where_the_marker_does_not_decide_even_when_shared(tmp_path):
    sections, calls = _probe_with_fake(tmp_path, "systemd-detect-virt", FAKE_DETECT_VIRT,
                                       _in_a_docker_container(probe_script(), tmp_path, login_user=False),
                                       "", "", "", "shared", VM="kvm", CONTAINER="docker")  # as root
    assert calls == ["", "--vm"]
    assert (sections["systemd_detect_virt_vm"], sections["vm_shared"]) == ("kvm", "")


@pytest.mark.parametrize("blocker", ["manager file", "older systemd", "root"])
def test_systemd_detect_virt_answers_whenever_something_it_reads_first_could_differ(tmp_path, blocker):
    script = _as_login_user(probe_script(), tmp_path)
    if blocker == "manager file":  # /run/systemd/container (a container manager said which it is)
        (tmp_path / "container").write_text("lxc\n")
        script = _in_function(script, "container_from_files", "/run/systemd/container", str(tmp_path / "container"))
    elif blocker == "older systemd":  # whose detect_container() looked at other things first
        script = _in_function(script, "container_from_files", "-ge 252", "-ge 999")
    else:  # root may read PID 1's environment, which systemd-detect-virt reads before the marker files
        script = probe_script()
    sections, calls = _probe_with_fake(tmp_path, "systemd-detect-virt", FAKE_DETECT_VIRT, script,
                                       VM="kvm", CONTAINER="docker")
    assert calls == ["", "--vm"]
    assert (sections["systemd_detect_virt_vm"], sections["systemd_detect_virt_container"]) == ("kvm", "docker")


FAKE_UNAME = '#!/bin/sh\necho "$*" >> "$CALLS"\necho fake-machine\n'


def test_the_machine_comes_from_the_kernels_record_and_from_uname_where_it_cannot_be_taken(tmp_path):
    """Whatever kernel runs the test: its record (/proc/sys/kernel/arch, Linux 6.1 and later) and the
    userland's loaders are files of the test's."""
    record, loader = tmp_path / "kernel-arch", tmp_path / "ld-linux-x86-64.so.2"
    script = _in_function(probe_script(), "kernel_machine", "/proc/sys/kernel/arch", str(record))
    script = _in_function(script, "kernel_machine", "/lib64/ld-linux-x86-64.so.2", str(loader))
    script = _in_function(script, "kernel_machine", "/lib/ld-musl-x86_64.so.1", str(tmp_path / "no-musl"))
    record.write_text("x86_64\n")
    loader.touch()
    sections, calls = _probe_with_fake(tmp_path, "uname", FAKE_UNAME, script)
    assert (calls, sections["uname_m"]) == ([], "x86_64")
    # Without the userland's own loader (as under qemu-user emulation, where the record names the machine's
    # architecture and not the emulated one), uname tells; so it does before Linux 6.1, without the record.
    loader.unlink()
    sections, calls = _probe_with_fake(tmp_path, "uname", FAKE_UNAME, script)
    assert (calls, sections["uname_m"]) == (["-m"], "fake-machine")
    loader.touch()
    record.unlink()
    sections, calls = _probe_with_fake(tmp_path, "uname", FAKE_UNAME, script)
    assert (calls, sections["uname_m"]) == (["-m"], "fake-machine")

