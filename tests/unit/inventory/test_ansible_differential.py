"""fleetctl reads Ansible inventories as ansible-core 2.19 does: a differential test on real inventories.

Every inventory of tests/data/ansible-inventories/ (gathered from Ansible's docs and tests and from public
repositories; the SOURCE file of each says where from, at which commit, under which licence) is loaded by
ansible-core, through its Python API in this process, and by fleetctl. They must agree on:

- the hosts, in the order a play on ``hosts: all`` takes them (``InventoryManager.get_hosts("all")``);
- the groups, with their hosts and children in order, as ``ansible-inventory --list`` prints them;
- the groups each host is in;
- each host's merged variables, as ``ansible-inventory --list`` prints them in ``_meta.hostvars``;
- for the --limit patterns of PATTERNS, the hosts each selects, in order (``subset`` then
  ``get_hosts("all")``, what ``ansible-playbook --limit`` acts on), and Ansible's warnings.

Two tests run the real ``ansible-inventory --list`` and ``ansible --list-hosts`` on a few of them, to show
that the in-process path gives what Ansible's commands print.

ansible-core runs as tests/unit/inventory/ansible_oracle.py sets it up: an empty ansible.cfg, and its walk
of the groups pinned to one of the orders it gives (the one fleetctl documents). Where ansible-core cannot
parse a file, or reads no host, fleetctl must refuse the inventory (README, Differences from Ansible).
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import pytest

from fleetctl.errors import InputError
from fleetctl.inventory import Group, Host, Inventory, InventoryError, load_inventory
from fleetctl.inventory.limit import select

from .ansible_oracle import AnsibleView, plain

CORPUS = Path(__file__).resolve().parents[2] / "data" / "ansible-inventories"
ANSIBLE_BIN = Path(sys.executable).parent


def corpus_inventories() -> dict[str, Path]:
    """Name -> the inventory path its SOURCE names."""
    found = {}
    for source in sorted(CORPUS.glob("*/SOURCE")):
        lines = source.read_text().splitlines()
        [inventory] = [line.split(": ", 1)[1] for line in lines if line.startswith("inventory: ")]
        found[source.parent.name] = source.parent / inventory
    return found


INVENTORIES = corpus_inventories()

# --limit patterns, spread over the corpus: every form of Ansible's patterns guide, and its corner cases.
# A (name, text) pair is an @file: the limit "@name" with that file in the working directory.
PATTERNS = {
    "docs-multiple-groups": [
        "webservers:&east", "prod:!dbservers", "east,west,&prod", "webservers[0]", "all[-1]",
        "*.example.com[1:2]", "~(one|two)\\.", "~ne", "test[5]", "ungrouped", "dbservers[1:]",
    ],
    "docs-patterns-webservers": [  # the patterns guide's own examples, on its own inventory
        "webservers[0]", "webservers[-1]", "webservers[0:2]", "webservers[1:2]", "webservers[1:]", "webservers[:3]",
        "webservers[2:1]", "*", "cobweb:webbing", "all:!cobweb", "~web", "web*",
        ("retry", "weber\n\ncobweb\n"), "@retry",
    ],
    "docs-patterns-alias": ["host1", "127.0.0.2", "*.not_in_inventory.com"],
    "docs-child-groups": ["prod", "prod:&webservers", "te*", "!prod", "prod[-2]"],
    "docs-group-structure": [
        "datacenter[2:]", "network:!spines", "leaf*", "~spine0[12]$", "webservers:leafs", "datacenter[0:0]",
    ],
    "docs-subgroups-yaml": [
        "usa", "southeast[1]", "atlanta:raleigh:!atlanta", "northeast", "host[1:2]", "usa:&raleigh",
    ],
    "docs-basic-yaml": ["mail.example.com:dbservers", "*.example.com:!one*", "three.example.com webservers"],
    "pi-cluster-ricsanfre": [
        "k3s_cluster:!k3s_master", "node[1:3]", "node-hp-*", "raspberrypi[0],x86[-1]", "k3s_worker:&x86",
        "localhost", "~node\\d$", "control", "k3s_*[1]", "fe80::1", "::1",
        ("retry", "node1\nk3s_worker\n\n!node-hp-3\n"), "@retry,pimaster",
    ],
    "ansible-test-inventory-yaml": ["kids:&cousins", "the-maid", "redheads", "k*:c*", "kids[-1]"],
    "ansible-test-unicode": ["příbor", "p*"],
    "k3s-ansible": ["192.16.35.12", "agent[0]", "192.16.35.*", "server:agent", "~192\\.16\\.35\\.1[23]", "agent[1-1]"],
    "kolla-ansible-multinode": ["nova:&compute", "control[0]", "baremetal:!monitoring", "nova-*[0]", "deployment"],
    "ansible-test-complex-ini": ["parent_3[0:2]", "test_group1:&test_group3", "ihavenogroup", "all:!parent_*"],
    "ansible-test-lookup-hostnames": ["group01[1:3]", "nogroup*", "group02:!group01", "test20[0-9]"],
    "ansible-test-order": ["incremental[1:2]", "hostA:hostB"],
    "ansible-test-path-with-comma": ["localhost", "127.0.0.1"],
    "docs-connection-vars": ["localhost", "targets:!localhost", "::1"],
    "trellis-hosts": ["web", "production:staging"],
}
PATTERN_CASES = [
    (name, pattern) for name, patterns in PATTERNS.items() for pattern in patterns if isinstance(pattern, str)
]
LIMIT_FILES = {
    name: dict(pattern for pattern in patterns if isinstance(pattern, tuple)) for name, patterns in PATTERNS.items()
}


@dataclass(frozen=True)
class View:
    """One tool's reading of one inventory, in plain Python values."""

    hosts: list[str]  # in the order of `hosts: all`
    groups: dict  # ansible-inventory --list's groups: name -> {"hosts": [...], "children": [...]}
    memberships: dict[str, set[str]]  # host -> every group it is in
    hostvars: dict[str, dict]  # host -> its merged variables


def test_the_corpus_has_twenty_inventories_or_more_each_with_its_source():
    assert len(INVENTORIES) >= 20
    for name, path in INVENTORIES.items():
        assert path.exists(), f"{name}: SOURCE names {path}, which is missing"
    assert len(PATTERN_CASES) >= 30


# --- ansible-core, in this process (ansible_oracle: an empty ansible.cfg, the group walk pinned) ----------


@cache
def ansible_reading(path: Path) -> AnsibleView:
    return AnsibleView(path)


def ansible_refuses(reading: AnsibleView) -> str | None:
    """Why fleetctl must refuse what Ansible read, or None. Its README's differences: a file Ansible could
    not parse (it warns and goes on without it), an inventory with no host (it warns and runs nothing)."""
    unparsed = [warning for warning in reading.warnings if warning.startswith("Unable to parse")]
    if unparsed:
        return unparsed[0]
    return None if reading.hosts else "no host"


@cache
def ansible_view(path: Path) -> View:
    reading = ansible_reading(path)
    hosts = reading.manager.get_hosts("all")
    groups = {name: ([host.name for host in group.hosts], [child.name for child in group.child_groups])
              for name, group in reading.manager.groups.items()}
    return View(
        hosts=[host.name for host in hosts],
        groups=list_groups(groups, {host.name for host in hosts}),
        memberships={host.name: {group.name for group in host.get_groups()} for host in hosts},
        hostvars=reading.all_raw_vars(),
    )


def ansible_selection(path: Path, limit: str) -> tuple[list[str] | None, list[str]]:
    """(hosts selected, in order, or None when Ansible refuses the limit; Ansible's warnings)."""
    from ansible.errors import AnsibleError
    from ansible.utils.display import Display

    inventory = ansible_reading(path).manager
    warnings = []
    warning = Display.warning
    Display.warning = lambda display, message, *args, **kwargs: warnings.append(message)
    try:
        inventory.clear_caches()  # or a limit seen before is not evaluated again, and warns nothing
        inventory.subset(limit)
        return [host.name for host in inventory.get_hosts("all")], warnings
    except AnsibleError:
        return None, warnings
    finally:
        inventory.subset(None)
        Display.warning = warning


# --- fleetctl ----------------------------------------------------------------------------------------------


@cache
def fleetctl_inventory(path: Path):
    return load_inventory(path)


@cache
def fleetctl_view(path: Path) -> View:
    inventory = fleetctl_inventory(path)
    groups = {name: (list(group.hosts), list(group.children)) for name, group in inventory.groups.items()}
    return View(
        hosts=[host.name for host in inventory.hosts],
        groups=list_groups(groups, {host.name for host in inventory.hosts}),
        memberships={host.name: set(host.groups) for host in inventory.hosts},
        # As `ansible-inventory --list` shows them: merged, not rendered, without fleetctl's own defaults.
        hostvars={host.name: {name: plain(value) for name, value in host.inventory_vars.items()}
                  for host in inventory.hosts},
    )


def fleetctl_selection(path: Path, limit: str) -> tuple[list[str] | None, list[str]]:
    try:
        selection = select(fleetctl_inventory(path), limit)
    except InventoryError:
        return None, []
    return [host.name for host in selection.hosts], list(selection.warnings)


# --- what both are compared as ------------------------------------------------------------------------------


def list_groups(groups: dict[str, tuple[list, list]], listed_hosts: set[str]) -> dict:
    """The groups part of `ansible-inventory --list` (its json_inventory): from all down, empty ones left out."""
    document: dict = {}

    def visit(name):
        direct_hosts, children = groups[name]
        entry = {}
        if name != "all":
            entry["hosts"] = [host for host in direct_hosts if host in listed_hosts]
        entry["children"] = list(children)
        for child in children:
            if child not in document:
                visit(child)
        entry = {key: value for key, value in entry.items() if value}
        if entry:
            document[name] = entry
        else:
            document.pop(name, None)

    visit("all")
    return document


def describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def first_difference(expected, actual, where: str, names=("Ansible", "fleetctl")) -> str | None:
    """Where two plain values first differ, in words; None when equal (bool is not int, '1' is not 1)."""
    left, right = names
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in list(expected) + [key for key in actual if key not in expected]:
            if key not in actual:
                return f"{where}[{key!r}]: {left} has {describe(expected[key])}, {right} has nothing"
            if key not in expected:
                return f"{where}[{key!r}]: {left} has nothing, {right} has {describe(actual[key])}"
            found = first_difference(expected[key], actual[key], f"{where}[{key!r}]", names)
            if found:
                return found
        return None
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        for index, (one, other) in enumerate(zip(expected, actual)):
            found = first_difference(one, other, f"{where}[{index}]", names)
            if found:
                return f"{found} ({left} {describe(list(expected))}, {right} {describe(list(actual))})"
        if len(expected) != len(actual):
            return (f"{where}: {left} has {len(expected)} items, {right} {len(actual)}: "
                    f"{describe(list(expected))} vs {describe(list(actual))}")
        return None
    if _kind(expected) != _kind(actual) or expected != actual:
        return f"{where}: {left} {describe(expected)} ({_kind(expected)}), {right} {describe(actual)} ({_kind(actual)})"
    return None


def _kind(value) -> str:
    for kind in (bool, int, float, str, type(None), dict, list, tuple, set):
        if isinstance(value, kind):
            return "list" if kind is tuple else kind.__name__
    return type(value).__name__


def check(expected, actual, where: str, names=("Ansible", "fleetctl")):
    difference = first_difference(expected, actual, where, names)
    if difference:
        pytest.fail(difference, pytrace=False)


# --- the comparisons -----------------------------------------------------------------------------------------


def views(name: str) -> tuple[View, View] | None:
    """(Ansible's view, fleetctl's view) of one inventory, or None when fleetctl rightly refuses it.

    Fails in one line when fleetctl cannot load what Ansible loads, or loads what it must refuse.
    """
    path = INVENTORIES[name]
    refused = ansible_refuses(ansible_reading(path))
    if refused:
        try:
            fleetctl_view(path)
        except InputError:
            return None
        pytest.fail(f"fleetctl loads what it must refuse (Ansible: {refused})", pytrace=False)
    expected = ansible_view(path)
    try:
        return expected, fleetctl_view(path)
    except Exception as error:  # noqa: BLE001 - any failure to load is the finding, shown in one line
        pytest.fail(f"fleetctl cannot load what Ansible loads ({len(expected.hosts)} hosts): "
                    f"{type(error).__name__}: {error}", pytrace=False)


each_inventory = pytest.mark.parametrize("name", sorted(INVENTORIES))


@each_inventory
def test_same_hosts_in_the_same_order(name):
    both = views(name)
    if both is None:  # both refuse it
        return
    expected, actual = both
    check(sorted(expected.hosts), sorted(actual.hosts), "hosts (as sets)")
    check(expected.hosts, actual.hosts, "hosts in order")


@each_inventory
def test_same_groups_with_their_hosts_and_children_in_order(name):
    both = views(name)
    if both is None:  # both refuse it
        return
    expected, actual = both
    check(sorted(expected.groups), sorted(actual.groups), "groups (names)")
    check(expected.groups, actual.groups, "groups")


@each_inventory
def test_each_host_is_in_the_same_groups(name):
    both = views(name)
    if both is None:  # both refuse it
        return
    expected, actual = both
    check({host: sorted(names) for host, names in expected.memberships.items()},
          {host: sorted(names) for host, names in actual.memberships.items()}, "groups of host")


@each_inventory
def test_each_host_has_the_same_merged_variables(name):
    both = views(name)
    if both is None:  # both refuse it
        return
    expected, actual = both
    for host, ansible_vars in expected.hostvars.items():
        check(ansible_vars, actual.hostvars.get(host, {}), f"host {host}: variables")


@pytest.mark.parametrize(("name", "limit"), PATTERN_CASES, ids=[f"{name}:{limit}" for name, limit in PATTERN_CASES])
def test_a_limit_selects_the_same_hosts_in_the_same_order(name, limit, tmp_path, monkeypatch):
    path = INVENTORIES[name]
    for file_name, text in LIMIT_FILES[name].items():
        (tmp_path / file_name).write_text(text)
    monkeypatch.chdir(tmp_path)  # an @file is relative to the working directory, for both
    expected_hosts, expected_warnings = ansible_selection(path, limit)
    views(name)
    actual_hosts, actual_warnings = fleetctl_selection(path, limit)
    if expected_hosts is None or actual_hosts is None:
        assert (expected_hosts is None) == (actual_hosts is None), (
            f"--limit {limit!r}: Ansible {'refuses it' if expected_hosts is None else expected_hosts}, "
            f"fleetctl {'refuses it' if actual_hosts is None else actual_hosts}")
        return
    check(sorted(expected_hosts), sorted(actual_hosts), f"--limit {limit!r} hosts (as sets)")
    check(expected_hosts, actual_hosts, f"--limit {limit!r} hosts in order")
    check(expected_warnings, actual_warnings, f"--limit {limit!r} warnings")


def generated_patterns(names: list[str]) -> list[str]:
    """Every form of pattern over the first names of an inventory (groups, then hosts), pairs joined every way."""
    patterns = set()
    for name in names[:12]:
        patterns |= {name, f"!{name}", f"&{name}", f"{name}[0]", f"{name}[-1]", f"{name}[1:]", f"{name}[1:2]",
                     f"{name}[5]", f"{name[:3]}*", f"~{name[:2]}", f"{name}*[1]"}
    for first, second in zip(names[:8], names[1:9]):
        patterns |= {f"{first}:{second}", f"{first}:&{second}", f"{first}:!{second}", f"!{first},{second}",
                     f"{first}*[0],{second}", f"{first} {second}"}
    return sorted(patterns | {"all", "ungrouped", "localhost", "127.0.0.1", "::1", "fe80::1", "nowhere*"})


@each_inventory
def test_patterns_select_what_ansible_selects_on_ansibles_own_reading(name):
    """The patterns alone: fleetctl's selection over the hosts and groups Ansible read, whatever fleetctl's loader."""
    path = INVENTORIES[name]
    reading = ansible_reading(path)
    if ansible_refuses(reading):
        return  # nothing whole to select from; views() checks that fleetctl refuses it
    manager = reading.manager
    hosts = [Host(host.name, tuple(group.name for group in host.get_groups()), vars=MappingProxyType({}))
             for host in manager.get_hosts("all")]
    groups = {group_name: Group(group_name, tuple(parent.name for parent in group.parent_groups),
                                tuple(child.name for child in group.child_groups),
                                tuple(host.name for host in group.hosts), group.depth)
              for group_name, group in manager.groups.items()}
    as_read_by_ansible = Inventory(str(path), hosts, groups, hosts_as_read=tuple(manager.hosts))
    differences = []
    for limit in generated_patterns(list(manager.groups) + list(manager.hosts)):
        expected = ansible_selection(path, limit)
        try:
            selection = select(as_read_by_ansible, limit)
            actual = ([host.name for host in selection.hosts], list(selection.warnings))
        except InventoryError:
            actual = (None, [])
        if expected != actual and not (expected[0] is None and actual[0] is None):
            differences.append(f"--limit {limit!r}: Ansible {expected}, fleetctl {actual}")
    if differences:
        pytest.fail(f"{len(differences)} patterns differ, the first: " + "; ".join(differences[:3]), pytrace=False)


# --- the in-process path is what Ansible's commands print -----------------------------------------------------


def ansible_command(*args: str, cwd: Path) -> str:
    environment = {**os.environ, "ANSIBLE_NOCOLOR": "1"}  # ANSIBLE_CONFIG: the empty one
    done = subprocess.run([str(ANSIBLE_BIN / args[0]), *args[1:]], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


# INI with group_vars and host_vars; YAML with ranges, group_vars and host_vars; a folder.
@pytest.mark.parametrize("name", ["ansible-test-var-blending", "pi-cluster-ricsanfre", "trellis-hosts"])
def test_the_api_gives_what_ansible_inventory_list_prints(name, tmp_path):
    path = INVENTORIES[name]
    printed = json.loads(ansible_command("ansible-inventory", "-i", str(path), "--list", cwd=tmp_path))
    meta = printed.pop("_meta")
    view = ansible_view(path)
    api = ("ansible-inventory --list", "the API")
    # --list leaves out a host without variables
    hostvars = json.loads(json.dumps({host: variables for host, variables in view.hostvars.items() if variables}))
    check(meta["hostvars"], hostvars, "_meta.hostvars", api)
    check(printed, view.groups, "groups", api)


def test_the_api_selects_what_ansible_list_hosts_prints(tmp_path):
    path = INVENTORIES["pi-cluster-ricsanfre"]
    for limit in ["k3s_cluster:!k3s_master,~node-hp", "raspberrypi[0],x86[-1]"]:
        printed = ansible_command("ansible", "all", "-i", str(path), "--list-hosts", "--limit", limit, cwd=tmp_path)
        listed = [line.strip() for line in printed.splitlines()[1:] if line.strip()]
        assert listed and listed == ansible_selection(path, limit)[0], limit
