"""Cheap experiments and data for the cluster tests (tests/test_cluster.py).

``HW7_REGISTRY_MODULE=cluster_fixtures`` makes a ``python -m hw7`` subprocess see :func:`experiments`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hw7.mnist.experiments import mnist_config
from hw7.store import registry
from mnist_fixtures import NAMES, synthetic_digits, write_idx

INIT = [-4.0, -2.0]


def p1(optimizer: str, lr: float, steps: int, **extra) -> dict:
    return {"optimizer": optimizer, "lr": lr, "steps": steps, "init": INIT, **extra}


def experiments() -> list[registry.Experiment]:
    """Problem 1 runs of a few hundred steps, and two MNIST runs that train as one chunk (one epoch, 60 steps)."""
    return [
        registry._experiment("c-p1", "rosenbrock", "tiny Problem 1 runs", [
            p1("gd", 1e-4, 300), p1("momentum", 1e-4, 300, gamma=0.9), p1("adam", 1e-2, 300)]),
        registry._experiment("c-sweep", "rosenbrock_sweep", "a tiny learning-rate sweep", [
            {"optimizer": "gd", "lrs": [1e-5, 1e-4, 1e-2], "steps": 200, "init": INIT}]),
        registry._experiment("c-mnist", "mnist", "one tiny MNIST chunk", [
            mnist_config(sizes=[784, 8, 10], epochs=1, batch_size=1000, lr=lr, seed=seed)
            for seed, lr in ((0, 0.5), (1, 0.1))]),
        registry._experiment("c-kill", "rosenbrock", "a Problem 1 run of about a second between two short ones", [
            p1("gd", 1e-5, 5_000), p1("gd", 2e-5, 60_000), p1("gd", 5e-5, 5_000)]),
        registry._experiment("c-resume", "rosenbrock", "Problem 1 runs of a fraction of a second", [
            p1("adam", lr, 20_000) for lr in (1e-3, 2e-3, 5e-3, 1e-2)]),
    ]


def full_size_mnist(root: Path, distinct: int = 2000) -> Path:
    """Synthetic MNIST with the real file sizes (60,000 + 10,000 images: the ``mnist`` runner checks the counts),
    made of ``distinct`` synthetic digits repeated, so it is written in a fraction of a second. Returns ``root``."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, n, seed in (("train", 60_000, 0), ("test", 10_000, 1)):
        images, labels = synthetic_digits(distinct, seed)
        write_idx(raw / NAMES[split][0], np.tile(images, (n // distinct, 1, 1)), 2051)
        write_idx(raw / NAMES[split][1], np.tile(labels, n // distinct), 2049)
    return root
