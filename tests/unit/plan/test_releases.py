"""Each release of a rollout and what every host can take of it: pure checks on real source folders and
recorded facts (no host, no npm: apps here have no dependencies, or the check stops before npm)."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from fleetctl.build.cache import ArtifactCache
from fleetctl.build.errors import BuildInputError
from fleetctl.facts import parse_probe
from fleetctl.inventory import InventoryError, load_inventory
from fleetctl.plan.releases import build_hosts_for, plan_release, read_releases, unpacked_size

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probe"
SERVER = parse_probe((FIXTURES / "lab-server-persona-captured-v3.txt").read_text())


def app(folder: Path, package: dict | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "server.js").write_text("require('http').createServer().listen(process.env.PORT)\n")
    if package is not None:
        (folder / "package.json").write_text(json.dumps(package))
    return folder


def inventory(tmp_path: Path, src: Path, **host_vars) -> Path:
    lines = ["all:", "  hosts:"]
    for name in ("web1", "web2", "build1"):
        lines.append(f"    {name}:")
        lines.append("      ansible_host: 192.0.2.10")
    lines += ["  vars:", "    fleet_app_name: shop", f"    fleet_app_src: {src}"]
    lines += [f"    {name}: {json.dumps(value)}" for name, value in host_vars.items()]
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "inventory.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def plan_for(tmp_path, src, facts=SERVER, present=frozenset(), **host_vars):
    loaded = load_inventory(inventory(tmp_path, src, **host_vars))
    [(source, release)] = read_releases(loaded.hosts).items()
    hosts = [(host, facts) for host in loaded.hosts[:2]]
    cache = ArtifactCache(tmp_path / "cache", 10 * 2**20)
    return plan_release(release, hosts, {}, cache, connect=lambda name: pytest.fail("no builder is needed"),
                        present=present)


def test_an_app_without_dependencies_is_its_own_artifact_for_every_host(tmp_path):
    plan = plan_for(tmp_path, app(tmp_path / "src", {"name": "shop", "version": "1.0.0"}))
    assert plan.problems == {}
    assert plan.artifacts.native == () and [artifact.label for artifact in plan.artifacts.artifacts] == ["any"]
    assert plan.archive_for("web1") == plan.app.release.archive
    assert plan.to_dict("web1") == {"platform": "any", "cached": True, "builder": None, "native": []}


def test_dependencies_without_a_lockfile_stop_before_any_host_naming_package_json(tmp_path):
    src = app(tmp_path / "src", {"name": "shop", "dependencies": {"express": "4.21.2"}})
    loaded = load_inventory(inventory(tmp_path, src))
    with pytest.raises(BuildInputError) as caught:
        read_releases(loaded.hosts)
    assert str(caught.value).startswith(f"{src / 'package.json'}:")
    assert "package-lock.json" in str(caught.value) and "\n" not in str(caught.value)


def test_a_node_that_does_not_satisfy_engines_fails_the_host_with_both_versions(tmp_path):
    src = app(tmp_path / "src", {"name": "shop", "engines": {"node": ">=20"}})
    plan = plan_for(tmp_path, src)
    assert plan.problems["web1"] == (f"node {SERVER.node_version} does not satisfy engines.node '>=20'"
                                     f" of {src / 'package.json'}")


def test_a_host_without_node_fails_unless_a_role_may_install_it(tmp_path):
    without_node = replace(SERVER, node_version=None, libuv_version=None, node_abi=None)
    src = app(tmp_path / "src", {"name": "shop"})
    assert plan_for(tmp_path / "a", src, without_node).problems["web1"].startswith("node is not installed")
    assert plan_for(tmp_path / "b", src, without_node, fleet_roles=["node"]).problems == {}


def test_too_little_disk_under_opt_fails_the_host_unless_the_release_is_there(tmp_path):
    src = app(tmp_path / "src", {"name": "shop"})
    (src / "big.bin").write_bytes(bytes(range(256)) * 8192)  # 2 MiB that gzip cannot shrink much
    full = replace(SERVER, opt_free_mb=1)
    plan = plan_for(tmp_path / "a", src, full)
    assert plan.problems["web1"].startswith(f"too little disk for release {plan.app.id}: it needs about")
    assert plan.problems["web1"].endswith("MiB under /opt, 1 MiB are free")
    assert "web1" not in plan_for(tmp_path / "b", src, full, present=frozenset({"web1"})).problems
    assert unpacked_size(plan.app.release.archive) > 2 * 2**20


def test_a_build_host_must_be_a_host_of_the_inventory(tmp_path):
    src = app(tmp_path / "src", {"name": "shop"})
    loaded = load_inventory(inventory(tmp_path, src, fleet_build_host="build1"))
    assert [host.name for host in build_hosts_for(loaded, loaded.hosts[:2])] == ["build1"]
    loaded = load_inventory(inventory(tmp_path / "other", src, fleet_build_host="nowhere"))
    with pytest.raises(InventoryError, match="^host web1: fleet_build_host 'nowhere' is not a host of"):
        build_hosts_for(loaded, loaded.hosts)
