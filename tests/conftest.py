"""Shared fixtures: a scratch cache so no test touches the committed one; the ``cuda`` marker."""

from __future__ import annotations

import shutil

import pytest

from hw7 import REPO_ROOT
from hw7.store import registry


@pytest.fixture
def scratch_cache(tmp_path, monkeypatch):
    """Point the cache at an empty folder for the duration of a test."""
    root = tmp_path / "cache"
    monkeypatch.setenv("HW7_CACHE_DIR", str(root))
    return root


@pytest.fixture
def cache_copy(tmp_path, monkeypatch):
    """A private copy of the committed cache, used through ``HW7_CACHE_DIR``."""
    root = tmp_path / "cache"
    shutil.copytree(REPO_ROOT / "cache", root)
    monkeypatch.setenv("HW7_CACHE_DIR", str(root))
    return root


@pytest.fixture
def tiny_registry(monkeypatch):
    """Replace the registry with two cheap Rosenbrock experiments (a few hundred steps)."""
    tiny = {
        "tiny": registry._experiment("tiny", "rosenbrock", "tiny test experiment", [
            {"optimizer": "gd", "lr": 1e-4, "steps": 200, "init": [-4.0, -2.0]},
            {"optimizer": "adam", "lr": 1e-2, "steps": 200, "init": [-4.0, -2.0]},
        ]),
        "tiny-bad": registry._experiment("tiny-bad", "rosenbrock", "a config with a typo", [
            {"optimizer": "gd", "lrr": 1e-4, "steps": 200, "init": [-4.0, -2.0]},
        ]),
    }
    monkeypatch.setattr(registry, "experiments", lambda: tiny)
    return tiny


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``@pytest.mark.cuda`` where torch sees no GPU (the pinned wheel is the CPU build)."""
    marked = [item for item in items if item.get_closest_marker("cuda") is not None]
    if not marked:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (torch.cuda.is_available() is False)")
    for item in marked:
        item.add_marker(skip)
