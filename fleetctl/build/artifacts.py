"""A release's artifacts, per platform: what a plan says will happen, and what a deploy does before any host.

A portable tree is one artifact (platform None, "any") for every host: the
resolved tree itself. A native tree is one artifact per platform of the hosts,
built by that platform's builder. Whatever is cached is taken from the cache;
everything else is built once and cached. The tree is resolved (npm ci) only
when the cache cannot answer: a warm plan or deploy runs no npm at all.
"""

import tempfile
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from fleetctl.build.archive import pack, pack_tree, unpack
from fleetctl.build.builders import (
    Builder, BuilderKind, BuildHost, NoBuilder, check_builder, choose_builder, rebuild_on_control, rebuild_on_host,
)
from fleetctl.build.cache import ANY, TREE, ArtifactCache
from fleetctl.build.errors import BuildFailed
from fleetctl.build.source import AppSource
from fleetctl.build.tree import native_packages, resolve
from fleetctl.domain import Platform
from fleetctl.transport import LocalTransport, Transport, TransportError

# An inventory host's name -> a block with an open transport to it (new, or the command's pool's).
Connect = Callable[[str], AbstractContextManager[Transport]]


@dataclass(frozen=True)
class HostTarget:
    """A host a release goes to, as the build sees it."""

    name: str
    platform: Platform | None  # None: no node found on the host (or no libc known)
    build_host: str | None = None  # its fleet_build_host


@dataclass(frozen=True)
class PlannedArtifact:
    platform: Platform | None  # None: the portable tree's one artifact
    key: str  # in the artifact cache
    hosts: tuple[str, ...]
    cached: bool
    builder: Builder | NoBuilder  # who builds it when it is not (or no longer) cached

    @property
    def label(self) -> str:
        """"any", or the platform's key."""
        return self.platform.key if self.platform else ANY

    def describe(self) -> str:
        """What a deploy will do for it: "cached", "build on control", "build on pi-1", "no builder: ..."."""
        if self.cached:
            return "cached"
        if isinstance(self.builder, NoBuilder):
            return f"no builder: {self.builder.reason}"
        return f"build on {self.builder.name}"


@dataclass(frozen=True)
class ArtifactPlan:
    release: str  # the release's content digest
    native: tuple[str, ...]  # the packages that make its tree native; empty: portable
    artifacts: tuple[PlannedArtifact, ...]
    unserved: Mapping[str, str] = field(default_factory=dict)  # host -> why no artifact can serve it

    def for_host(self, name: str) -> PlannedArtifact | None:
        return next((artifact for artifact in self.artifacts if name in artifact.hosts), None)

    @property
    def to_build(self) -> tuple[PlannedArtifact, ...]:
        return tuple(artifact for artifact in self.artifacts if not artifact.cached)

    def problems(self) -> dict[str, str]:
        """host -> why it cannot get its artifact, as the plan knows it without asking any builder."""
        found = dict(self.unserved)
        for artifact in self.to_build:
            if isinstance(artifact.builder, NoBuilder):
                found.update((host, artifact.builder.reason) for host in artifact.hosts)
        return found


def plan_artifacts(release: str, native: Sequence[str], hosts: Sequence[HostTarget], control: Platform | None,
                   build_hosts: Mapping[str, Platform | None], cached: Collection[str]) -> ArtifactPlan:
    """Pure: per platform of the hosts (or "any" for a portable tree), whether its artifact is cached and
    who would build it. build_hosts: the platform of every host named by a fleet_build_host."""
    if not native:
        key = ArtifactCache.key(release, None)
        artifact = PlannedArtifact(None, key, tuple(host.name for host in hosts), key in cached,
                                   Builder(BuilderKind.CONTROL))  # npm ci and a pack, nothing to compile
        return ArtifactPlan(release, (), (artifact,))
    by_platform: dict[Platform, list[HostTarget]] = {}
    unserved = {}
    for host in hosts:
        if host.platform is None:
            unserved[host.name] = (f"no node found on the host, and the release has native addons"
                                   f" ({', '.join(native)}), built for each platform")
        else:
            by_platform.setdefault(host.platform, []).append(host)
    artifacts = []
    for platform, targets in by_platform.items():
        named = next((target.build_host for target in targets if target.build_host), None)
        build_host = BuildHost(named, build_hosts.get(named)) if named else None
        builder = choose_builder(platform, control, build_host, [target.name for target in targets])
        key = ArtifactCache.key(release, platform)
        artifacts.append(PlannedArtifact(platform, key, tuple(target.name for target in targets), key in cached,
                                         builder))
    return ArtifactPlan(release, tuple(native), tuple(artifacts), unserved)


@dataclass(frozen=True)
class ResolvedTree:
    archive: bytes  # the app with its production node_modules, nothing built
    native: tuple[str, ...]


@dataclass(frozen=True)
class TreeVerdict:
    native: tuple[str, ...]  # the packages that make the release's tree native; empty: portable
    resolve_seconds: float | None  # how long npm ci took now; None: the cache knew (or nothing to install)


def tree_verdict(source: AppSource, release: str, cache: ArtifactCache) -> TreeVerdict:
    """Whether the release's tree is native. npm runs only when the cache has nothing of the release; it then
    caches the resolved tree (a portable tree as its one artifact, ready for the deploy)."""
    if not source.dependencies:
        return TreeVerdict((), None)
    remembered = cache.native_of(release)
    if remembered is not None:
        return TreeVerdict(remembered, None)
    started = time.monotonic()
    native = resolved_tree(source, release, cache).native
    return TreeVerdict(native, time.monotonic() - started)


def resolved_tree(source: AppSource, release: str, cache: ArtifactCache) -> ResolvedTree:
    """The release's resolved tree: from the cache, else from npm ci on this machine (and then cached)."""
    if not source.dependencies:  # nothing to install: the source is the tree
        return ResolvedTree(pack(source.folder).archive, ())
    native = cache.native_of(release)
    if native is not None:
        archive = cache.get(ArtifactCache.tree_key(release) if native else ArtifactCache.key(release, None))
        if archive is not None:
            return ResolvedTree(archive, native)
    with tempfile.TemporaryDirectory(prefix="fleetctl-resolve-") as workdir:
        tree = resolve(source.folder, Path(workdir))
        native = tuple(native_packages(tree))
        archive = pack_tree(tree)
    if native:
        cache.put(ArtifactCache.tree_key(release), archive, release, TREE, native)
    else:  # a portable tree is its own artifact
        cache.put(ArtifactCache.key(release, None), archive, release, ANY, ())
    return ResolvedTree(archive, native)


@dataclass(frozen=True)
class Built:
    label: str  # "any" or a platform key
    builder: str  # "control" or the host's name
    seconds: float


@dataclass(frozen=True)
class Artifacts:
    release: str
    by_label: Mapping[str, bytes]  # "any" or a platform key -> the artifact
    built: tuple[Built, ...]  # what this call built (empty: everything came from the cache)
    failed: Mapping[str, str]  # "any" or a platform key -> one line: why it could not be built
    resolve_seconds: float | None = None  # how long getting the resolved tree took (None: not needed)

    def for_platform(self, platform: Platform | None) -> bytes | None:
        """A host's artifact: the portable one, else its platform's."""
        return self.by_label.get(ANY) or (self.by_label.get(platform.key) if platform else None)


def ensure_artifacts(plan: ArtifactPlan, source: AppSource, cache: ArtifactCache, connect: Connect,
                     progress: Callable[[str], None] = lambda message: None) -> Artifacts:
    """Every artifact of the plan: from the cache, else built once by its builder and cached.

    A platform that cannot be built is in `failed`, the others are still built; a tree npm cannot
    install (BuildInputError, BuildFailed) fails them all and raises.
    """
    found: dict[str, bytes] = {}
    missing = []
    for artifact in plan.artifacts:
        data = cache.get(artifact.key)
        if data is not None:
            found[artifact.label] = data
        else:
            missing.append(artifact)
    built, failed = [], {}
    if not missing:
        return Artifacts(plan.release, found, (), {})
    progress(f"resolving the dependency tree of release {plan.release}")
    started = time.monotonic()
    tree = resolved_tree(source, plan.release, cache)
    resolve_seconds = time.monotonic() - started
    for artifact in missing:
        if artifact.platform is None:
            found[artifact.label] = tree.archive  # resolved_tree cached it
            built.append(Built(artifact.label, artifact.builder.name, resolve_seconds))
            continue
        if isinstance(artifact.builder, NoBuilder):
            failed[artifact.label] = artifact.builder.reason
            continue
        progress(f"building {artifact.label} on {artifact.builder.name}")
        started = time.monotonic()
        try:
            data = _build(artifact.builder, tree.archive, connect)
        except (BuildFailed, TransportError) as error:
            failed[artifact.label] = str(error)
            continue
        cache.put(artifact.key, data, plan.release, artifact.label, tree.native)
        found[artifact.label] = data
        built.append(Built(artifact.label, artifact.builder.name, time.monotonic() - started))
    return Artifacts(plan.release, found, tuple(built), failed, resolve_seconds)


def builder_problems(plan: ArtifactPlan, connect: Connect) -> dict[str, str]:
    """label -> why the builder of an artifact to build cannot build it (it lacks npm, a compiler, headers),
    each builder asked once: for a plan to fail those hosts early."""
    answers: dict[Builder, str | None] = {}
    problems = {}
    for artifact in plan.to_build:
        builder = artifact.builder
        if artifact.platform is None or isinstance(builder, NoBuilder):
            continue
        if builder not in answers:
            try:
                answers[builder] = _tools_problem(builder, connect)
            except (BuildFailed, TransportError) as error:
                answers[builder] = str(error)
        if answers[builder]:
            problems[artifact.label] = answers[builder]
    return problems


def _build(builder: Builder, tree_archive: bytes, connect: Connect) -> bytes:
    """Check the builder has what a build needs, then build there."""
    if builder.kind is BuilderKind.CONTROL:
        with LocalTransport(builder.name) as transport:
            nodedir = _nodedir(builder, transport)
        with tempfile.TemporaryDirectory(prefix="fleetctl-build-") as workdir:
            unpack(tree_archive, Path(workdir))
            return rebuild_on_control(Path(workdir), nodedir)
    with connect(builder.name) as transport:
        return rebuild_on_host(transport, tree_archive, _nodedir(builder, transport))


def _nodedir(builder: Builder, transport: Transport) -> str:
    tools = check_builder(transport)
    problem = tools.problem(builder.name)
    if problem or tools.nodedir is None:
        raise BuildFailed(problem)
    return tools.nodedir


def _tools_problem(builder: Builder, connect: Connect) -> str | None:
    if builder.kind is BuilderKind.CONTROL:
        with LocalTransport(builder.name) as transport:
            return check_builder(transport).problem(builder.name)
    with connect(builder.name) as transport:
        return check_builder(transport).problem(builder.name)
