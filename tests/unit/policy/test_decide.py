"""decide: facts + a host's policy settings + the table -> mode, workers, scheduling, MemoryMax and the reason."""

import pytest

from fleetctl.policy import PRIMARY_MEMORY_MB, Decision, PolicyError, decide, load_table

from .inputs import CUSTOM, Facts, policy, write_table


# --- the default table ----------------------------------------------------


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
