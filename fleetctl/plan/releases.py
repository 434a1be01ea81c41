"""The releases of a rollout: one per app source folder, and per platform the artifact its hosts get.

Before any host is contacted, each source folder is read (package.json, the
lockfile rule) and packed into its release. Once the hosts are probed, each
release's artifacts are planned (fleetctl.build.artifacts) and every host is
checked against what it will get: node present, package.json engines.node,
a builder able to build its platform's native addons, room under /opt.
A host that fails a check has a problem, named with its reason; a deploy
refuses to start while any host has one, so no host is changed.
"""

import struct
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from fleetctl.build.archive import Release, ReleaseError, pack
from fleetctl.build.artifacts import (
    ArtifactPlan, HostTarget, PlannedArtifact, builder_problems, ensure_artifacts, plan_artifacts, tree_verdict,
)
from fleetctl.build.builders import NoBuilder, control_platform
from fleetctl.build.cache import ArtifactCache
from fleetctl.build.errors import BuildFailed
from fleetctl.build.source import AppSource, engines_satisfied
from fleetctl.facts import Facts
from fleetctl.inventory import Host, Inventory, InventoryError
from fleetctl.transport import Transport

# An inventory host's name -> a block with an open transport to it: `with connect(name) as transport`
# (a new connection closed at the block's end, or the command's pool's, kept open).
Connect = Callable[[str], AbstractContextManager[Transport]]
MIB = 1024 * 1024


@dataclass(frozen=True)
class AppRelease:
    """One app source folder: what its package.json says, and the release packed from it."""

    source: AppSource
    release: Release

    @property
    def id(self) -> str:
        return self.release.id

    @property
    def needs_npm(self) -> bool:
        """False for an app without dependencies: its source is what every host gets."""
        return bool(self.source.dependencies)


@dataclass(frozen=True)
class ReleasePlan:
    """What a deploy of one release does before any host: its artifacts, and the hosts that cannot take one."""

    app: AppRelease
    artifacts: ArtifactPlan
    problems: Mapping[str, str] = field(default_factory=dict)  # host -> why it cannot get this release
    # What this machine holds now, per artifact label: the artifact, or (not built yet) the resolved
    # tree it will be built from, which is about its size. A plan shows and checks sizes with it.
    known: Mapping[str, bytes] = field(default_factory=dict)
    # How long resolving the tree (npm ci here) took while planning; None: the cache knew it. A portable
    # release's one artifact is that tree, so then it was built by this command.
    resolve_seconds: float | None = None

    def artifact_of(self, host: str) -> PlannedArtifact | None:
        return self.artifacts.for_host(host)

    def archive_for(self, host: str) -> bytes | None:
        planned = self.artifact_of(host)
        return self.known.get(planned.label) if planned else None

    def to_dict(self, host: str) -> dict | None:
        """plan --json's `artifact` of a host: its platform ("any" when portable), whether it is cached,
        who builds it otherwise, and the packages that make the release native."""
        planned = self.artifact_of(host)
        if planned is None:
            return None
        builder = None if planned.cached or isinstance(planned.builder, NoBuilder) else planned.builder.name
        return {"platform": planned.label, "cached": planned.cached, "builder": builder,
                "native": list(self.artifacts.native)}


def read_releases(hosts: Sequence[Host], label: str | None = None) -> dict[str, AppRelease]:
    """App source folder -> its release, for the hosts with an app. Raises BuildInputError naming the file
    (package.json, the lockfile) or InventoryError naming the host, before any host is contacted."""
    releases: dict[str, AppRelease] = {}
    for host in hosts:
        source = host.app.src if host.app else None
        if source and source not in releases:
            try:
                release = pack(Path(source), label)
            except ReleaseError as error:
                raise InventoryError(f"host {host.name}: {error}") from None
            releases[source] = AppRelease(AppSource.read(Path(source)), release)
    return releases


def build_hosts_for(inventory: Inventory, hosts: Sequence[Host]) -> list[Host]:
    """The hosts the selected hosts name as fleet_build_host (selected or not); InventoryError for a name
    that is no host of the inventory."""
    found: dict[str, Host] = {}
    for host in hosts:
        name = host.rollout.build_host
        if name and name not in found:
            try:
                found[name] = inventory.host(name)
            except KeyError:
                raise InventoryError(f"host {host.name}: fleet_build_host {name!r} is not a host of"
                                     f" {inventory.path}") from None
    return list(found.values())


def plan_release(app: AppRelease, hosts: Sequence[tuple[Host, Facts]], build_hosts: Mapping[str, Facts | None],
                 cache: ArtifactCache, connect: Connect, present: frozenset[str] = frozenset()) -> ReleasePlan:
    """The release's artifacts for these probed hosts, and each host's problem; each builder it would use
    is asked whether it can build. The dependency tree is resolved on this machine (npm ci, no package
    script run) only when the cache does not know the release.

    present: the hosts that have the release already (nothing to upload, so no room needed)."""
    digest = app.release.digest
    verdict = tree_verdict(app.source, digest, cache) if app.needs_npm else None
    native = verdict.native if verdict else ()
    targets = [HostTarget(host.name, facts.platform, host.rollout.build_host) for host, facts in hosts]
    builders = {name: facts.platform if facts else None for name, facts in build_hosts.items()}
    cached = {entry.key for entry in cache.entries()} if app.needs_npm else {ArtifactCache.key(digest, None)}
    artifacts = plan_artifacts(digest, native, targets, control_platform(), builders, cached)
    problems = dict(artifacts.problems())
    for label, problem in builder_problems(artifacts, connect).items():
        for artifact in artifacts.artifacts:
            if artifact.label == label:
                problems.update((host, problem) for host in artifact.hosts)
    known = {artifact.label: data for artifact in artifacts.artifacts
             if (data := _known_archive(app, artifact, cache)) is not None}
    plan = ReleasePlan(app, artifacts, problems, known, verdict.resolve_seconds if verdict else None)
    for host, facts in hosts:
        problem = problems.get(host.name) or _host_problem(plan, host, facts, host.name in present)
        if problem:
            problems[host.name] = problem
    return plan


@dataclass(frozen=True)
class BuiltRelease:
    plan: ReleasePlan
    by_label: Mapping[str, bytes]  # artifact label -> the artifact
    built: tuple[dict, ...]  # what this deploy built: platform, builder, seconds (empty: all from the cache)

    def archive_for(self, host: str) -> bytes:
        return self.by_label[self.plan.artifact_of(host).label]


def build_artifacts(plans: Sequence[ReleasePlan], cache: ArtifactCache, connect: Connect,
                    progress: Callable[[str], None]) -> dict[str, BuiltRelease]:
    """App source folder -> its artifacts, from the cache or built once per platform; raises BuildFailed
    (one line naming the builder and npm's reason) when one cannot be built, before any host is changed."""
    done = {}
    for plan in plans:
        if not plan.app.needs_npm:
            done[str(plan.app.source.folder)] = BuiltRelease(plan, dict(plan.known), ())
            continue
        artifacts = ensure_artifacts(plan.artifacts, plan.app.source, cache, connect, progress)
        if artifacts.failed:
            label, why = next(iter(artifacts.failed.items()))
            raise BuildFailed(f"release {plan.app.id} for {label}: {why}")
        built = tuple({"platform": item.label, "builder": item.builder, "seconds": round(item.seconds, 2)}
                      for item in artifacts.built)
        if plan.resolve_seconds is not None and not plan.artifacts.native and not built:
            [portable] = plan.artifacts.artifacts
            built = ({"platform": portable.label, "builder": portable.builder.name,
                      "seconds": round(plan.resolve_seconds, 2)},)
        done[str(plan.app.source.folder)] = BuiltRelease(plan, dict(artifacts.by_label), built)
    return done


def unpacked_size(archive: bytes) -> int:
    """What a tar.gz takes once unpacked, from gzip's trailer (modulo 4 GiB, plenty for an app)."""
    return struct.unpack("<I", archive[-4:])[0] if len(archive) >= 4 else 0


def _known_archive(app: AppRelease, artifact: PlannedArtifact, cache: ArtifactCache) -> bytes | None:
    if not app.needs_npm:
        return app.release.archive  # no dependencies: the source is the artifact
    data = cache.get(artifact.key) if artifact.cached else None
    return data or cache.get(ArtifactCache.tree_key(app.release.digest))


def _host_problem(plan: ReleasePlan, host: Host, facts: Facts, present: bool) -> str | None:
    source = plan.app.source
    if facts.node_version is None:
        if host.rollout.roles:
            return None  # one of its roles (node) may install it before the switch; its hook fails if not
        return "node is not installed, and the app needs it (install Node.js, or give the host the node role" \
               " with node_install_package: true)"
    if source.engines_node and not engines_satisfied(source.engines_node, facts.node_version):
        return f"node {facts.node_version} does not satisfy engines.node {source.engines_node!r} of {source.package_json}"
    archive = plan.archive_for(host.name)
    if archive is not None and facts.opt_free_mb is not None and not present:
        # The upload and the unpacked release sit side by side until the upload is removed.
        needed_mb = (len(archive) + unpacked_size(archive)) // MIB + 1
        if needed_mb > facts.opt_free_mb:
            return (f"too little disk for release {plan.app.id}: it needs about {needed_mb} MiB under /opt,"
                    f" {facts.opt_free_mb} MiB are free")
    return None
