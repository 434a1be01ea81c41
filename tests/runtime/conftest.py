"""Fixtures for the cluster runtime tests; the harness lives in runtime_harness.py
(a unique module name: every test directory has its own conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime_harness import HeldSocket, Releases, Runtime, free_port


@pytest.fixture
def releases(tmp_path: Path) -> Releases:
    layout = Releases(tmp_path / "app")
    layout.add("v1")
    layout.switch("v1")
    return layout


@pytest.fixture
def start_runtime(tmp_path: Path):
    started: list[Runtime] = []

    def start(entry: Path, workers: int | None = 2, held: HeldSocket | None = None, shim: bool = False,
              **env: str) -> Runtime:
        runtime = Runtime(tmp_path, entry, free_port(), workers, env, held=held, shim=shim)
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        runtime.cleanup()
