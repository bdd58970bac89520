"""Problem 1's runs: the homework's three optimizers on the Rosenbrock valley, and a learning-rate sweep.

Declared as plain data (:class:`hw7.specs.ExperimentSpec`); the store's registry collects them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hw7.specs import ExperimentSpec, KindSpec

#: kind -> its runner and code version (bump the version when the runner's numerics change)
KINDS: dict[str, KindSpec] = {
    "rosenbrock": KindSpec("hw7.problem1.runner:run_trajectory", 2),  # 2: adds first_step_below, tail_dist_min/max
    "rosenbrock_sweep": KindSpec("hw7.problem1.runner:run_sweep", 1),
}

P1_INIT = [-4.0, -2.0]
P1_STEPS = 100_000
P1_SWEEP_LRS = [float(v) for v in np.logspace(-6, -1, 41)]


def _p1(optimizer: str, lr: float) -> dict[str, Any]:
    return {"optimizer": optimizer, "lr": lr, "steps": P1_STEPS, "init": P1_INIT}


def experiments() -> list[ExperimentSpec]:
    """Problem 1's experiments, in the order the chapter uses them."""
    return [
        ExperimentSpec("p1-b", "rosenbrock", "GD, momentum and Adam at lr 1e-4",
                    [_p1(o, 1e-4) for o in ("gd", "momentum", "adam")]),
        ExperimentSpec("p1-c", "rosenbrock", "Momentum and Adam at lr 1e-3",
                    [_p1(o, 1e-3) for o in ("momentum", "adam")]),
        ExperimentSpec("p1-d", "rosenbrock", "Adam at lr 1e-2 against momentum at lr 1e-4",
                    [_p1("adam", 1e-2), _p1("momentum", 1e-4)]),
        ExperimentSpec("p1-lr-sweep", "rosenbrock_sweep", "Final distance vs learning rate, 41 rates 1e-6..1e-1",
                    [{"optimizer": o, "lrs": P1_SWEEP_LRS, "steps": P1_STEPS, "init": P1_INIT}
                     for o in ("gd", "momentum", "adam")]),
    ]
