"""The decision table: default rows, automatic sizing, overrides and bad tables."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from fleetctl.inventory import InventoryError, PolicySettings
from fleetctl.inventory.schema import check_variable, fleet_defaults
from fleetctl.inventory.settings import policy_settings
from fleetctl.inventory.values import VariableValueError
from fleetctl.policy import PRIMARY_MEMORY_MB, Decision, PolicyError, decide, load_table
from fleetctl.policy.versions import parse_range, parse_version, version_in_range


@dataclass(frozen=True)
class Facts:
    """The attributes decide() reads; the real Facts has more."""

    kind: str = "server"
    arch: str = "x86_64"
    cpus_effective: float = 8.0
    cpus_online: int = 8
    memory_effective_mb: int = 16384
    node_version: str | None = "20.11.1"


def policy(host_vars: dict) -> PolicySettings:
    """A host's policy settings as the inventory builds them from its variables (each checked, defaults filled)."""
    checked = {name: check_variable(name, value, ".") for name, value in host_vars.items()}
    return policy_settings("h", {**fleet_defaults(), **checked})


@pytest.fixture(scope="module")
def table():
    return load_table()


def write_table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.yaml"
    path.write_text(text)
    return path


def table_error(path) -> str:
    with pytest.raises(PolicyError) as caught:
        load_table(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the default table ----------------------------------------------------


def test_default_table_rows_in_order(table):
    assert [row.name for row in table.rows] == ["container", "pi", "few-cpus", "vm-or-server"]
    assert table.source.endswith("default-table.yaml")


def test_container_runs_single_whatever_its_size(table):
    decision = decide(Facts(kind="container", cpus_effective=16, memory_effective_mb=32768), policy({}), table)
    assert (decision.mode, decision.workers, decision.scheduling, decision.row) == ("single", 1, None, "container")
    assert "orchestrator" in decision.reason


def test_pi_runs_single(table):
    decision = decide(Facts(kind="pi", arch="aarch64", cpus_effective=4, memory_effective_mb=3800), policy({}), table)
    assert (decision.mode, decision.workers, decision.row) == ("single", 1, "pi")


@pytest.mark.parametrize("kind", ["vm", "server"])
def test_fewer_than_two_effective_cpus_run_single(table, kind):
    decision = decide(Facts(kind=kind, cpus_effective=1.5, cpus_online=4), policy({}), table)
    assert (decision.mode, decision.workers, decision.row) == ("single", 1, "few-cpus")


@pytest.mark.parametrize(("kind", "cpus", "workers"), [("server", 8, 8), ("vm", 2, 2), ("vm", 3.9, 3)])
def test_vm_and_server_run_one_worker_per_whole_cpu(table, kind, cpus, workers):
    decision = decide(Facts(kind=kind, cpus_effective=cpus), policy({}), table)
    assert decision == Decision(
        mode="cluster",
        workers=workers,
        scheduling="rr",
        reason=decision.reason,
        row="vm-or-server",
        memory_max_mb=workers * 256 + PRIMARY_MEMORY_MB,
    )
    assert f"allow {workers} workers" in decision.reason


def test_reserved_cpus_are_left_out(table):
    decision = decide(Facts(cpus_effective=8), policy({"fleet_reserve_cpus": 2}), table)
    assert (decision.mode, decision.workers) == ("cluster", 6)
    assert "8 effective CPUs minus 2 reserved allow 6 workers" in decision.reason


def test_memory_caps_the_worker_count(table):
    # (1024 - 256 reserved) / 256 per worker = 3, below the 4 CPUs.
    decision = decide(Facts(kind="vm", cpus_effective=4, memory_effective_mb=1024), policy({}), table)
    assert (decision.mode, decision.workers, decision.scheduling) == ("cluster", 3, "rr")
    assert "768 MB of memory after the 256 MB reserve fits only 3 of 256 MB each" in decision.reason
    assert decision.memory_max_mb == 3 * 256 + PRIMARY_MEMORY_MB


def test_memory_variables_change_the_cap(table):
    decision = decide(
        Facts(cpus_effective=16, memory_effective_mb=4096),
        policy({"fleet_worker_memory_mb": 512, "fleet_reserve_memory_mb": 1024}),
        table,
    )
    assert decision.workers == 6  # (4096 - 1024) // 512


def test_a_cap_that_leaves_one_worker_means_single(table):
    decision = decide(Facts(kind="vm", cpus_effective=4, memory_effective_mb=700), policy({}), table)
    assert (decision.mode, decision.workers, decision.scheduling, decision.row) == ("single", 1, None, "vm-or-server")
    assert decision.reason.endswith("and one worker means single")
    assert decision.memory_max_mb == 700 - 256


def test_reserving_all_cpus_but_one_means_single(table):
    decision = decide(Facts(cpus_effective=2), policy({"fleet_reserve_cpus": 1}), table)
    assert (decision.mode, decision.workers) == ("single", 1)


# --- MemoryMax -------------------------------------------------------------


def test_single_memory_max_is_effective_memory_minus_the_reserve(table):
    assert decide(Facts(kind="pi", memory_effective_mb=3800), policy({}), table).memory_max_mb == 3800 - 256


def test_memory_max_never_exceeds_effective_memory(table):
    decision = decide(Facts(cpus_effective=2, memory_effective_mb=1000), policy({"fleet_workers": 8}), table)
    assert (decision.workers, decision.memory_max_mb) == (8, 1000)


def test_memory_max_never_below_one_workers_budget(table):
    decision = decide(Facts(kind="container", memory_effective_mb=300), policy({}), table)
    assert decision.memory_max_mb == 256


# --- overrides --------------------------------------------------------------


def test_fleet_workers_forces_cluster(table):
    decision = decide(Facts(kind="pi", cpus_effective=4, memory_effective_mb=3800), policy({"fleet_workers": 4}), table)
    assert (decision.mode, decision.workers, decision.scheduling, decision.row) == ("cluster", 4, "rr", "pi")
    assert decision.reason.startswith("fleet_workers: 4 decides cluster with 4 workers")
    assert "the table said single (row pi:" in decision.reason


def test_fleet_workers_one_means_single(table):
    decision = decide(Facts(), policy({"fleet_workers": 1}), table)
    assert (decision.mode, decision.workers) == ("single", 1)
    assert decision.reason.startswith("fleet_workers: 1 decides single")


def test_fleet_mode_single_forces_single(table):
    decision = decide(Facts(), policy({"fleet_mode": "single"}), table)
    assert (decision.mode, decision.workers, decision.scheduling) == ("single", 1, None)
    assert decision.reason.startswith("fleet_mode: single decides; the table said cluster with 8 workers")


def test_fleet_mode_cluster_sizes_automatically(table):
    decision = decide(Facts(kind="container", cpus_effective=4), policy({"fleet_mode": "cluster"}), table)
    assert (decision.mode, decision.workers, decision.scheduling) == ("cluster", 4, "rr")
    assert decision.reason.startswith("fleet_mode: cluster decides cluster with 4 workers")


def test_fleet_mode_cluster_with_one_worker_stays_cluster(table):
    decision = decide(Facts(), policy({"fleet_mode": "cluster", "fleet_workers": 1}), table)
    assert (decision.mode, decision.workers) == ("cluster", 1)


def test_fleet_scheduling_changes_a_cluster_decision(table):
    decision = decide(Facts(), policy({"fleet_scheduling": "none"}), table)
    assert (decision.mode, decision.workers, decision.scheduling) == ("cluster", 8, "none")
    assert "fleet_scheduling: none" in decision.reason


def test_fleet_scheduling_is_ignored_for_a_single_decision(table):
    decision = decide(Facts(kind="pi"), policy({"fleet_scheduling": "none"}), table)
    assert (decision.mode, decision.scheduling) == ("single", None)
    assert "fleet_scheduling ignored" in decision.reason


def test_fleet_scheduling_with_forced_cluster(table):
    decision = decide(Facts(kind="pi"), policy({"fleet_workers": 3, "fleet_scheduling": "none"}), table)
    assert (decision.mode, decision.workers, decision.scheduling) == ("cluster", 3, "none")


def test_unset_variables_count_as_absent(table):
    unset = {"fleet_mode": None, "fleet_workers": None, "fleet_scheduling": None}
    assert decide(Facts(), policy(unset), table) == decide(Facts(), policy({}), table)


@pytest.mark.parametrize(
    ("host_vars", "message"),
    [
        ({"fleet_mode": "single", "fleet_workers": 4},
         "fleet_workers: 4 conflicts with fleet_mode: single (a single process is one worker); remove one of them"),
        ({"fleet_mode": "single", "fleet_scheduling": "rr"},
         "fleet_scheduling: rr conflicts with fleet_mode: single (scheduling is for cluster); remove one of them"),
        ({"fleet_workers": 1, "fleet_scheduling": "none"},
         "fleet_scheduling: none conflicts with fleet_workers: 1, which means single;"
         " set fleet_mode: cluster for a one-worker cluster"),
        ({"fleet_workers": "many"}, "fleet_workers must be an integer, got 'many'"),
        ({"fleet_workers": 0}, "fleet_workers must be >= 1, got 0"),
        ({"fleet_mode": "multi"}, "fleet_mode must be one of single, cluster, got 'multi'"),
        ({"fleet_scheduling": "round-robin"}, "fleet_scheduling must be one of rr, none, got 'round-robin'"),
        ({"fleet_worker_memory_mb": 0}, "fleet_worker_memory_mb must be >= 16, got 0"),
    ],
)
def test_invalid_overrides_name_the_variable(host_vars, message):
    with pytest.raises((VariableValueError, InventoryError)) as caught:
        policy(host_vars)
    assert str(caught.value).removeprefix("host h: ") == message


def test_conflicting_overrides_name_the_host():
    policy({"fleet_workers": 3, "fleet_scheduling": "none"})
    with pytest.raises(InventoryError, match="^host h: fleet_workers: 2 conflicts with fleet_mode: single"):
        policy({"fleet_mode": "single", "fleet_workers": 2})


def test_decision_to_dict(table):
    decision = decide(Facts(cpus_effective=2), policy({}), table)
    assert decision.to_dict() == {
        "mode": "cluster",
        "workers": 2,
        "scheduling": "rr",
        "reason": decision.reason,
        "row": "vm-or-server",
        "memory_max_mb": 2 * 256 + PRIMARY_MEMORY_MB,
    }


# --- custom tables -----------------------------------------------------------

CUSTOM = """\
rows:
  - name: old-node
    match:
      node_version: "<18"
    result: {mode: single}
    reason: Node before 18 lacks the cluster features the runtime needs
  - name: big-arm
    match:
      arch: [aarch64]
      memory_effective_mb: {gte: 8192}
      cpus_online: {gt: 4}
    result: {mode: cluster, scheduling: none, workers: 2}
    reason: big ARM boards get two workers sharing the socket
  - name: anything
    result: {mode: cluster}
    reason: every other host clusters
"""


def test_custom_table_first_match_wins(tmp_path):
    custom = load_table(write_table(tmp_path, CUSTOM))
    old = decide(Facts(node_version="16.20.2"), policy({}), custom)
    assert (old.mode, old.row) == ("single", "old-node")
    arm = decide(Facts(arch="aarch64", cpus_online=8, memory_effective_mb=8192), policy({}), custom)
    assert (arm.mode, arm.workers, arm.scheduling, arm.row) == ("cluster", 2, "none", "big-arm")
    small_arm = decide(Facts(arch="aarch64", cpus_online=4, memory_effective_mb=8192), policy({}), custom)
    assert (small_arm.row, small_arm.workers, small_arm.scheduling) == ("anything", 8, "rr")


def test_a_host_without_node_never_matches_a_version_row(tmp_path):
    custom = load_table(write_table(tmp_path, CUSTOM))
    assert decide(Facts(node_version=None), policy({}), custom).row == "anything"


def test_no_matching_row_is_an_error_unless_a_variable_decides(tmp_path):
    path = write_table(tmp_path, "rows:\n  - name: only-pis\n    match: {kind: pi}\n"
                                 "    result: {mode: single}\n    reason: pis only\n")
    custom = load_table(path)
    with pytest.raises(PolicyError) as caught:
        decide(Facts(kind="vm"), policy({}), custom)
    assert str(caught.value) == (
        f"{path}: no row matches this host (kind vm, arch x86_64, 8.0 effective CPUs, 16384 MB, node 20.11.1);"
        " add a row for it or set fleet_mode"
    )
    decision = decide(Facts(kind="vm"), policy({"fleet_mode": "single"}), custom)
    assert (decision.mode, decision.row) == ("single", None)
    assert "no table row matched" in decision.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rows: [\n", ":2: invalid YAML: expected the node content, but found '<stream end>' (column 1)"),
        ("- a\n", ":1: a decision table is a mapping with one key, rows"),
        ("rows: []\n", ":1: rows must be a non-empty list"),
        ("rows:\n  - name: a\n    match: {kinds: [pi]}\n    result: {mode: single}\n    reason: r\n",
         ":3: row 1 (a): unknown match key kinds (known: kind, arch, cpus_effective, cpus_online,"
         " memory_effective_mb, node_version)"),
        ("rows:\n  - name: a\n    result: {mode: multi}\n    reason: r\n",
         ":3: row 1 (a): result mode must be single or cluster, got 'multi'"),
        ("rows:\n  - name: a\n    result:\n      mode: single\n      workers: 3\n    reason: r\n",
         ":5: row 1 (a): a single result runs 1 worker; use mode cluster for more"),
        ("rows:\n  - name: a\n    result: {mode: cluster, scheduling: fair}\n    reason: r\n",
         ":3: row 1 (a): result scheduling must be rr or none, got 'fair'"),
        ("rows:\n  - name: a\n    result: {mode: cluster, workers: some}\n    reason: r\n",
         ":3: row 1 (a): result workers must be auto or an integer >= 1, got 'some'"),
        ("rows:\n  - name: a\n    match: {node_version: '~18'}\n    result: {mode: single}\n    reason: r\n",
         ":3: row 1 (a): match node_version: '~18' is not a comparison like >=18 or <22.1"),
        ("rows:\n  - name: a\n    match:\n      cpus_effective: {below: 2}\n"
         "    result: {mode: single}\n    reason: r\n",
         ":4: row 1 (a): match cpus_effective: unknown bound below (use gt, gte, lt, lte)"),
        ("rows:\n  - name: a\n    match:\n      memory_effective_mb: {lt: lots}\n"
         "    result: {mode: single}\n    reason: r\n",
         ":4: row 1 (a): match memory_effective_mb.lt must be a number, got 'lots'"),
        ("rows:\n  - name: a\n    result: {mode: single}\n",
         ":2: row 1 (a): needs a reason, the sentence shown to explain the decision"),
        ("rows:\n  - match: {}\n    result: {mode: single}\n    reason: r\n", ":2: row 1: needs a name"),
        ("rows:\n  - name: a\n    result: {mode: single}\n    reason: r\n    when: always\n",
         ":5: row 1 (a): unknown key when (a row has name, match, result, reason)"),
        ("rows:\n  - name: a\n    result: {mode: single}\n    reason: r\n"
         "  - name: a\n    result: {mode: single}\n    reason: r\n",
         ": row 1 (a): the name a is used by more than one row"),
        ("rows:\n  - just-a-string\n", ":1: row 1: must be a mapping with name, match, result, reason"),
    ],
)
def test_invalid_table_errors_name_file_line_and_row(tmp_path, text, expected):
    path = write_table(tmp_path, text)
    assert table_error(path) == f"{path}{expected}"


def test_the_second_row_is_named_in_its_error(tmp_path):
    path = write_table(tmp_path, CUSTOM.replace("workers: 2}", "workers: 0}"))
    assert table_error(path) == f"{path}:12: row 2 (big-arm): result workers must be auto or an integer >= 1, got 0"


def test_missing_table_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert table_error(path) == f"{path}: cannot read file: No such file or directory"


# --- version ranges -----------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "spec", "inside"),
    [
        ("18.19.0", ">=18", True),
        ("v16.20.2", ">=18", False),
        ("20.11.1", ">=18 <21", True),
        ("21.0.0", ">=18, <21", False),
        ("20.11.1", "20", True),
        ("20.11.1", "==20.11", True),
        ("20.12.0", "20.11", False),
        ("18.0.0", ">18", False),
        ("18.0.1", ">18", True),
        ("22.1.0", "<=22.1", True),
        ("19.0.0", ">= 18 < 20", True),
    ],
)
def test_version_ranges(version, spec, inside):
    assert version_in_range(parse_version(version), parse_range(spec)) is inside


def test_malformed_version_range():
    with pytest.raises(ValueError, match="is not a comparison"):
        parse_range(">= eighteen")
