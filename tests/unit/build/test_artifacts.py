"""Artifacts per platform: the pure plan, and ensure_artifacts for real (npm ci against the registry, node-gyp
through the local transport), cold then warm: a warm run builds nothing and runs no npm at all."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fleetctl.build.archive import pack, unpack
from fleetctl.build.artifacts import (
    ArtifactPlan, HostTarget, builder_problems, ensure_artifacts, plan_artifacts, resolved_tree, tree_verdict,
)
from fleetctl.build.builders import Builder, BuilderKind, NoBuilder, control_platform
from fleetctl.build.cache import ArtifactCache
from fleetctl.build.source import AppSource
from fleetctl.domain import Platform
from fleetctl.transport import LocalTransport

from .npm_apps import native_app, portable_app

X86 = Platform("linux", "x86_64", "glibc", "108")
ARM = Platform("linux", "aarch64", "glibc", "108")
ARMV7 = Platform("linux", "armv7l", "glibc", "108")
CONTROL = Builder(BuilderKind.CONTROL)


# --- the plan, pure -------------------------------------------------------------------


def test_a_portable_tree_is_one_artifact_for_every_host():
    hosts = [HostTarget("web1", X86), HostTarget("pi1", ARM), HostTarget("fresh", None)]
    plan = plan_artifacts("r1", [], hosts, X86, {}, cached=set())
    [artifact] = plan.artifacts
    assert (artifact.platform, artifact.label, artifact.hosts) == (None, "any", ("web1", "pi1", "fresh"))
    assert (artifact.key, artifact.cached, artifact.describe()) == (ArtifactCache.key("r1", None), False,
                                                                   "build on control")
    assert plan.problems() == {} and plan.for_host("fresh") is artifact  # a role may install node there
    cached = plan_artifacts("r1", [], hosts, X86, {}, cached={ArtifactCache.key("r1", None)})
    assert cached.artifacts[0].describe() == "cached" and cached.to_build == ()


def test_a_native_tree_is_one_artifact_per_platform_each_with_its_builder():
    hosts = [HostTarget("web1", X86), HostTarget("pi1", ARM, "pi-builder"), HostTarget("web2", X86),
             HostTarget("pi2", ARM), HostTarget("pi3", ARMV7), HostTarget("fresh", None)]
    plan = plan_artifacts("r1", ["bcrypt"], hosts, X86, {"pi-builder": ARM}, cached={ArtifactCache.key("r1", ARMV7)})
    assert [(a.label, a.hosts, a.cached, a.describe()) for a in plan.artifacts] == [
        (X86.key, ("web1", "web2"), False, "build on control"),
        (ARM.key, ("pi1", "pi2"), False, "build on pi-builder"),
        (ARMV7.key, ("pi3",), True, "cached"),
    ]
    assert plan.artifacts[2].builder == Builder(BuilderKind.HOST, "pi3")  # were it evicted meanwhile
    assert plan.problems() == {"fresh": "no node found on the host, and the release has native addons (bcrypt),"
                                        " built for each platform"}
    assert plan.for_host("pi2").platform == ARM and plan.for_host("fresh") is None


def test_a_platform_without_a_builder_fails_its_hosts_in_the_plan():
    hosts = [HostTarget("pi1", ARM, "builder"), HostTarget("pi2", ARM)]
    plan = plan_artifacts("r1", ["bcrypt"], hosts, X86, {"builder": X86}, cached=set())
    reason = f"fleet_build_host builder is {X86.key}, not {ARM.key}"
    assert plan.artifacts[0].builder == NoBuilder(reason)
    assert plan.problems() == {"pi1": reason, "pi2": reason}
    assert plan.artifacts[0].describe() == f"no builder: {reason}"


# --- for real ---------------------------------------------------------------------------


@pytest.fixture
def npm_calls(tmp_path, monkeypatch) -> Path:
    """Every npm command run from here on (the control's and the builders' alike), one line each."""
    calls, wrapper = tmp_path / "npm-calls", tmp_path / "npm-wrapper"
    wrapper.mkdir()
    (wrapper / "npm").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {shutil.which("npm")} "$@"\n')
    (wrapper / "npm").chmod(0o755)
    calls.write_text("")
    monkeypatch.setenv("PATH", f"{wrapper}{os.pathsep}{os.environ['PATH']}")
    return calls


def npm_commands(calls: Path) -> list[str]:
    return [line.split()[0] for line in calls.read_text().splitlines()]


@pytest.fixture
def cache(tmp_path) -> ArtifactCache:
    return ArtifactCache(tmp_path / "artifacts", 256 * 1024 * 1024)


def plan_for(source: AppSource, cache: ArtifactCache, hosts, control, build_hosts=None) -> ArtifactPlan:
    """As plan and deploy make it: the release digest, the tree's verdict, what the cache holds."""
    release = pack(source.folder).digest
    native = tree_verdict(source, release, cache).native
    return plan_artifacts(release, native, hosts, control, build_hosts or {}, {e.key for e in cache.entries()})


def test_a_portable_app_cold_then_warm(tmp_path, cache, npm_calls):
    source = AppSource.read(portable_app(tmp_path / "app"))
    release = pack(source.folder).digest
    hosts = [HostTarget("web1", X86), HostTarget("pi1", ARM)]
    cold = plan_artifacts(release, [], hosts, X86, {}, cached={e.key for e in cache.entries()})
    assert [artifact.describe() for artifact in cold.artifacts] == ["build on control"]
    deployed = ensure_artifacts(cold, source, cache, LocalTransport)
    assert npm_commands(npm_calls) == ["ci"]
    assert [(built.label, built.builder) for built in deployed.built] == [("any", "control")]
    assert deployed.failed == {} and deployed.resolve_seconds > 0
    unpack(deployed.for_platform(ARM), tmp_path / "out")
    assert (tmp_path / "out" / "node_modules" / "is-number" / "index.js").is_file()
    assert deployed.for_platform(X86) == deployed.for_platform(None)

    verdict = tree_verdict(source, release, cache)
    assert verdict.native == () and verdict.resolve_seconds is None  # the cache knew
    warm_plan = plan_for(source, cache, hosts, X86)
    warm = ensure_artifacts(warm_plan, source, cache, LocalTransport)
    assert [artifact.describe() for artifact in warm_plan.artifacts] == ["cached"]
    assert warm.built == () and warm.by_label == deployed.by_label and warm.resolve_seconds is None
    assert npm_commands(npm_calls) == ["ci"]  # not one npm more


def test_a_cold_plan_resolves_once_and_its_deploy_takes_the_portable_tree_from_the_cache(tmp_path, cache, npm_calls):
    source = AppSource.read(portable_app(tmp_path / "app"))
    verdict = tree_verdict(source, pack(source.folder).digest, cache)
    assert verdict.native == () and verdict.resolve_seconds is not None
    plan = plan_for(source, cache, [HostTarget("web1", X86)], X86)
    assert [artifact.describe() for artifact in plan.artifacts] == ["cached"]
    assert ensure_artifacts(plan, source, cache, LocalTransport).built == ()
    assert npm_commands(npm_calls) == ["ci"]


def test_an_app_without_dependencies_runs_no_npm(tmp_path, cache, npm_calls):
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "server.js").write_text("// no dependencies\n")
    (folder / "node_modules" / "stray").mkdir(parents=True)  # what the developer has locally is not shipped
    source = AppSource.read(folder)
    artifacts = ensure_artifacts(plan_for(source, cache, [HostTarget("web1", X86)], X86), source, cache,
                                 LocalTransport)
    assert artifacts.for_platform(X86) == pack(folder).archive
    assert npm_commands(npm_calls) == []


def test_a_native_app_is_built_once_on_its_builder_cold_then_warm(tmp_path, cache, npm_calls):
    source = AppSource.read(native_app(tmp_path / "app"))
    here = control_platform()
    # The control machine pretends to have no node: the host "web1" (this machine, through its transport) builds.
    hosts = [HostTarget("web1", here), HostTarget("web2", here), HostTarget("pi1", ARM, "misnamed")]
    connected = []

    def connect(name):
        connected.append(name)
        return LocalTransport(name)

    plan = plan_for(source, cache, hosts, None, {"misnamed": X86})
    assert [artifact.describe() for artifact in plan.artifacts] == [
        "build on web1", f"no builder: fleet_build_host misnamed is {X86.key}, not {ARM.key}"]
    cold = ensure_artifacts(plan, source, cache, connect)
    assert npm_commands(npm_calls) == ["ci", "rebuild"] and connected == ["web1"]
    assert [(built.label, built.builder) for built in cold.built] == [(here.key, "web1")]
    assert cold.failed == {ARM.key: f"fleet_build_host misnamed is {X86.key}, not {ARM.key}"}
    unpack(cold.for_platform(here), tmp_path / "out")
    done = subprocess.run(["node", "-p", "require('hello-addon').hello()"], cwd=tmp_path / "out",
                          capture_output=True, text=True)
    assert done.stdout == "hello from C\n", done.stderr

    warm_plan = plan_for(source, cache, hosts, None, {"misnamed": X86})
    assert warm_plan.native == ("hello-addon",) and warm_plan.artifacts[0].cached
    warm = ensure_artifacts(warm_plan, source, cache, connect)
    assert warm.built == () and warm.for_platform(here) == cold.for_platform(here)
    assert npm_commands(npm_calls) == ["ci", "rebuild"] and connected == ["web1"]  # no npm, no builder asked


def test_a_builder_without_npm_or_compiler_fails_its_platform_in_one_line(tmp_path, cache, monkeypatch):
    source = AppSource.read(native_app(tmp_path / "app"))
    release = pack(source.folder).digest
    resolved_tree(source, release, cache)  # while npm is there: the tree is cached
    bare = tmp_path / "bare-bin"  # a host with node and a shell's tools, and nothing to build with
    bare.mkdir()
    for command in ("sh", "node", "mktemp", "rm", "dirname", "readlink", "awk", "tar", "gzip", "cat", "chmod", "mv"):
        (bare / command).symlink_to(shutil.which(command))
    monkeypatch.setenv("PATH", str(bare))
    hosts = [HostTarget("web1", control_platform())]
    plan = plan_for(source, cache, hosts, None)
    reason = "web1: cannot build native addons: missing npm, make, a C++ compiler (c++, g++ or clang++), python3"
    assert builder_problems(plan, LocalTransport) == {control_platform().key: reason}
    artifacts = ensure_artifacts(plan, source, cache, LocalTransport)
    assert artifacts.failed == {control_platform().key: reason} and artifacts.built == ()
