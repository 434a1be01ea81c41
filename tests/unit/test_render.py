"""The systemd units (service and socket) and environment file rendered from an app and a decision."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from fleetctl.domain import Mode, Scheduling
from fleetctl.inventory import AppSpec, load_inventory
from fleetctl.policy import Decision, decide, load_table
from fleetctl.render import NODE_PATH, quote_word, render_env_file, render_socket_unit, render_unit
from fleetctl.runtime import INSTALLED_RUNTIME_PATH

SHOP = AppSpec(name="shop", user="shop", entry="server.js", port=3000, writable_paths=("/var/lib/shop",))
CLUSTER = Decision(mode=Mode.CLUSTER, workers=4, scheduling=Scheduling.RR, reason="row vm-or-server: test", row="vm-or-server",
                   memory_max_mb=1088)
SINGLE = Decision(mode=Mode.SINGLE, workers=1, scheduling=None, reason="row pi: test", row="pi", memory_max_mb=700)

HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
}


def sections(unit: str) -> dict[str, list[tuple[str, str]]]:
    """[Section] -> [(key, value), ...] in order; comments skipped."""
    parsed: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in unit.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            parsed[current] = []
            continue
        key, _, value = line.partition("=")
        parsed[current].append((key, value))
    return parsed


def values(unit: str, section: str, key: str) -> list[str]:
    return [value for name, value in sections(unit)[section] if name == key]


def one(unit: str, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"{key}= appears {len(found)} times in [{section}]"
    return found[0]


@pytest.fixture(params=["single", "cluster"])
def unit(request):
    return render_unit(SHOP, SINGLE if request.param == "single" else CLUSTER)


def test_cluster_unit_runs_the_runtime_with_workers_and_policy():
    unit = render_unit(SHOP, CLUSTER)
    assert one(unit, "Service", "ExecStart") == (
        "/usr/bin/node /opt/fleet/runtime/node-cluster-runtime.js /opt/shop/current/server.js"
    )
    assert values(unit, "Service", "Environment") == [
        '"PORT=3000" "NODE_ENV=production"',
        '"FLEET_WORKERS=4" "NODE_CLUSTER_SCHED_POLICY=rr"',
        '"FLEET_STOP_TIMEOUT_MS=25000" "FLEET_RELOAD_TIMEOUT_MS=295000"',
    ]
    assert one(unit, "Service", "ExecReload") == "/usr/bin/node /opt/fleet/runtime/node-cluster-runtime.js --reload"
    assert one(unit, "Service", "KillMode") == "mixed"
    assert one(unit, "Service", "RuntimeDirectory") == "shop"
    assert one(unit, "Service", "MemoryMax") == "1088M"
    assert one(unit, "Unit", "Description") == "fleetctl app shop (cluster, 4 workers, scheduling rr)"


def test_each_timeout_comes_from_one_setting_and_the_runtime_gives_up_before_systemd():
    app = AppSpec(name="shop", user="shop", stop_timeout=12, reload_timeout=600)
    unit = render_unit(app, CLUSTER)
    assert (one(unit, "Service", "TimeoutStopSec"), one(unit, "Service", "TimeoutStartSec")) == ("12", "600")
    assert values(unit, "Service", "Environment")[2] == '"FLEET_STOP_TIMEOUT_MS=7000" "FLEET_RELOAD_TIMEOUT_MS=595000"'
    short = render_unit(AppSpec(name="shop", user="shop", stop_timeout=4, reload_timeout=2.5), CLUSTER)
    assert values(short, "Service", "Environment")[2] == '"FLEET_STOP_TIMEOUT_MS=2000" "FLEET_RELOAD_TIMEOUT_MS=1250"'
    assert one(short, "Service", "TimeoutStartSec") == "2.5"
    # A single process reloads nothing; the socket shim that drains it stops waiting before systemd kills it.
    single = render_unit(app, SINGLE)
    assert one(single, "Service", "TimeoutStopSec") == "12" and values(single, "Service", "TimeoutStartSec") == []
    assert values(single, "Service", "Environment")[1] == '"FLEET_STOP_TIMEOUT_MS=7000"'
    bare = render_unit(AppSpec(name="shop", user="shop", stop_timeout=12, socket=False), SINGLE)  # no shim
    assert values(bare, "Service", "Environment") == ['"PORT=3000" "NODE_ENV=production"']


def test_cluster_unit_carries_scheduling_none():
    none = Decision(mode=Mode.CLUSTER, workers=2, scheduling=Scheduling.NONE, reason="r", row="x", memory_max_mb=600)
    assert '"NODE_CLUSTER_SCHED_POLICY=none"' in values(render_unit(SHOP, none), "Service", "Environment")[1]


def test_cluster_decision_without_scheduling_is_refused():
    broken = Decision(mode=Mode.CLUSTER, workers=2, scheduling=None, reason="r", row="x", memory_max_mb=600)
    with pytest.raises(ValueError, match="^a cluster decision needs scheduling rr or none, got None$"):
        render_unit(SHOP, broken)


def test_single_unit_runs_node_on_the_entry_file_with_the_socket_shim():
    unit = render_unit(SHOP, SINGLE)
    assert one(unit, "Service", "ExecStart") == (
        "/usr/bin/node --require /opt/fleet/runtime/socket-shim.js /opt/shop/current/server.js")
    bare = render_unit(AppSpec(name="shop", user="shop", socket=False), SINGLE)
    assert one(bare, "Service", "ExecStart") == "/usr/bin/node /opt/shop/current/server.js"
    assert values(unit, "Service", "Environment") == ['"PORT=3000" "NODE_ENV=production"',
                                                      '"FLEET_STOP_TIMEOUT_MS=25000"']
    assert "FLEET_WORKERS" not in unit
    assert values(unit, "Service", "ExecReload") == []
    assert values(unit, "Service", "KillMode") == []
    assert one(unit, "Service", "MemoryMax") == "700M"


def test_both_modes_run_unprivileged_from_current_release(unit):
    assert one(unit, "Service", "User") == "shop"
    assert one(unit, "Service", "Group") == "shop"
    assert one(unit, "Service", "WorkingDirectory") == "/opt/shop/current"
    assert one(unit, "Service", "EnvironmentFile") == "-/etc/fleet/shop.env"
    assert one(unit, "Service", "Restart") == "on-failure"
    assert int(one(unit, "Service", "RestartSec")) > 0
    assert one(unit, "Service", "LimitNOFILE") == "65536"
    # The start limit belongs in [Unit]; systemd ignores it in [Service].
    assert int(one(unit, "Unit", "StartLimitIntervalSec")) > 0
    assert int(one(unit, "Unit", "StartLimitBurst")) > 0
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


def test_both_modes_are_hardened_as_node_tolerates(unit):
    for key, expected in HARDENING.items():
        assert one(unit, "Service", key) == expected
    assert one(unit, "Service", "ReadWritePaths") == "/opt/shop/shared /var/lib/shop"
    # V8's JIT needs writable+executable memory.
    assert "MemoryDenyWriteExecute" not in unit


def test_unit_ends_with_one_newline(unit):
    assert unit.endswith("WantedBy=multi-user.target\n")
    assert not unit.endswith("\n\n")


def test_reason_is_one_comment_line():
    decision = Decision(mode=Mode.SINGLE, workers=1, scheduling=None, reason="line one\nline two", row="r",
                        memory_max_mb=512)
    assert "# Decision: line one line two\n" in render_unit(SHOP, decision)


def test_runtime_and_node_paths_can_be_moved():
    unit = render_unit(SHOP, CLUSTER, runtime_path="/srv/fleet/runtime.js", node_path="/usr/local/bin/node")
    assert one(unit, "Service", "ExecStart") == "/usr/local/bin/node /srv/fleet/runtime.js /opt/shop/current/server.js"
    assert one(unit, "Service", "ExecReload") == "/usr/local/bin/node /srv/fleet/runtime.js --reload"


def test_words_systemd_would_misread_are_quoted():
    assert quote_word("/opt/shop/current/server.js") == "/opt/shop/current/server.js"
    assert quote_word("/srv/my app/x.js") == '"/srv/my app/x.js"'
    assert quote_word("50%") == '"50%%"'
    assert quote_word('a"b') == '"a\\"b"'
    assert quote_word("$HOME") == '"$$HOME"'


def test_env_file_quotes_values_for_systemd():
    app = AppSpec(name="shop", user="shop", env=(("DB_URL", 'postgres://u:p@db/x?a=1#frag'), ("TOKEN", 'a"b$c\\d')))
    assert render_env_file(app) == (
        "# Managed by fleetctl from fleet_app_env; edits are overwritten by the next deploy.\n"
        'DB_URL="postgres://u:p@db/x?a=1#frag"\n'
        'TOKEN="a\\"b\\$c\\\\d"\n'
    )


def test_secrets_stay_out_of_the_unit():
    app = AppSpec(name="shop", user="shop", env=(("API_KEY", "s3cret"),))
    assert "s3cret" not in render_unit(app, CLUSTER)


def test_inventory_to_unit(tmp_path):
    inventory_path = Path(__file__).parent / "fixtures" / "inventories" / "nested" / "fleet.yaml"
    host = load_inventory(inventory_path).host("s3")
    facts = SimpleNamespace(kind="server", arch="x86_64", cpus_effective=6.0, cpus_online=6,
                            memory_effective_mb=8192, node_version="20.11.1")
    decision = decide(facts, host.policy, load_table(host.policy.decision_table))
    unit = render_unit(host.app, decision)
    # servers reserve 1 CPU (group_vars/servers.yaml): 6 - 1 = 5 workers of 128 MB.
    assert values(unit, "Service", "Environment")[1] == '"FLEET_WORKERS=5" "NODE_CLUSTER_SCHED_POLICY=rr"'
    assert one(unit, "Service", "MemoryMax") == f"{5 * 128 + 64}M"


# systemd-analyze checks that ExecStart's program exists on this machine; use
# a real executable so the check is about the unit, not about where node lives.
VERIFY_NODE = NODE_PATH if os.access(NODE_PATH, os.X_OK) else sys.executable


@pytest.mark.parametrize("decision", [SINGLE, CLUSTER], ids=["single", "cluster"])
def test_systemd_analyze_verify_accepts_the_units(tmp_path, decision):
    unit_file = tmp_path / SHOP.unit_name
    unit_file.write_text(render_unit(SHOP, decision, runtime_path=INSTALLED_RUNTIME_PATH, node_path=VERIFY_NODE))
    socket_file = tmp_path / SHOP.socket_unit_name
    socket_file.write_text(render_socket_unit(SHOP))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(socket_file), str(unit_file)], capture_output=True, text=True, timeout=60
    )
    complaints = [line for line in result.stderr.splitlines() if SHOP.name in line]
    assert result.returncode == 0, result.stderr
    assert complaints == []


def test_a_slice_other_than_systems_is_named_in_the_unit():
    assert values(render_unit(SHOP, SINGLE), "Service", "Slice") == []  # system.slice: systemd's default
    web = AppSpec(name="shop", user="shop", slice="fleet-web.slice")
    assert one(render_unit(web, CLUSTER), "Service", "Slice") == "fleet-web.slice"
# --- the socket unit ------------------------------------------------------------------


def test_the_socket_unit_holds_the_apps_port_for_its_service():
    socket = render_socket_unit(SHOP)
    assert one(socket, "Socket", "ListenStream") == "3000"
    assert one(socket, "Socket", "BindIPv6Only") == "both"  # every address, as Node's listen(PORT) binds
    assert one(socket, "Socket", "Accept") == "no"  # one socket passed to the one service
    assert one(socket, "Socket", "Service") == "fleet-shop.service"
    assert "ReusePort" not in socket  # no other process may take a share of the port
    assert one(socket, "Install", "WantedBy") == "sockets.target"
    assert socket.endswith("WantedBy=sockets.target\n") and not socket.endswith("\n\n")


def test_the_service_requires_its_socket_and_starts_after_it(unit):
    assert one(unit, "Unit", "Requires") == "fleet-shop.socket"
    assert values(unit, "Unit", "After") == ["network-online.target", "fleet-shop.socket"]


def test_without_a_socket_there_is_no_socket_unit_and_the_service_does_not_require_one():
    bare = AppSpec(name="shop", user="shop", socket=False)
    assert render_socket_unit(bare) is None
    for decision in (SINGLE, CLUSTER):
        unit = render_unit(bare, decision)
        assert ".socket" not in unit and "socket-shim" not in unit and values(unit, "Unit", "Requires") == []
