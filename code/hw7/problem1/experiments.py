"""Problem 1's runs: the homework's three optimizers on the Rosenbrock valley, and a learning-rate sweep.

Declared as plain data (:class:`hw7.specs.ExperimentSpec`); the store's registry collects them.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from hw7.problem1.optimizers import OPTIMIZERS
from hw7.specs import ExperimentSpec, KindSpec

#: kind -> its runner and code version (bump the version when the runner's numerics change)
KINDS: dict[str, KindSpec] = {
    # version 2: first_step_below, tail_dist_min/max; 3: step lengths, Hessian eigenvalue;
    # 4: tail_dist_median over every step, Adam's bias-corrected second moment per coordinate
    "rosenbrock": KindSpec("hw7.problem1.runner:run_trajectory", 4),
    "rosenbrock_sweep": KindSpec("hw7.problem1.runner:run_sweep", 1),
}

P1_INIT = [-4.0, -2.0]
P1_STEPS = 100_000


def decades(first: int, last: int, per_decade: int) -> list[float]:
    """``10 ** (first + k / per_decade)`` up to ``10 ** last``, each the double nearest the exact power.

    Computed in decimal arithmetic, not with ``np.logspace``: a float ``pow`` may differ in the last bit
    between CPUs (numpy's SIMD loops do), and a rate is part of a run's cache key, so the registry must
    name the same rates on every machine.
    """
    with localcontext() as ctx:
        ctx.prec = 40
        return [float(Decimal(10) ** (Decimal(first) + Decimal(k) / per_decade))
                for k in range((last - first) * per_decade + 1)]


P1_SWEEP_LRS = decades(-6, -1, 8)
#: the optimizers of part (b) and of the sweep: every row of the optimizer table, in its order
P1_OPTIMIZERS = tuple(OPTIMIZERS)


def _p1(optimizer: str, lr: float) -> dict[str, Any]:
    return {"optimizer": optimizer, "lr": lr, "steps": P1_STEPS, "init": P1_INIT}


def _parts() -> list[ExperimentSpec]:
    return [
        ExperimentSpec("p1-b", "rosenbrock", "Every optimizer of the table at lr 1e-4",
                    [_p1(o, 1e-4) for o in P1_OPTIMIZERS]),
        ExperimentSpec("p1-c", "rosenbrock", "Momentum and Adam at lr 1e-3",
                    [_p1(o, 1e-3) for o in ("momentum", "adam")]),
        ExperimentSpec("p1-d", "rosenbrock", "Adam at lr 1e-2 against momentum at lr 1e-4",
                    [_p1("adam", 1e-2), _p1("momentum", 1e-4)]),
        ExperimentSpec("p1-lr-sweep", "rosenbrock_sweep", "Final distance vs learning rate, 41 rates 1e-6..1e-1",
                    [{"optimizer": o, "lrs": P1_SWEEP_LRS, "steps": P1_STEPS, "init": P1_INIT}
                     for o in P1_OPTIMIZERS]),
    ]


#: Adam variants that tell the homework's eps-inside-the-root apart from a constant step size: each
#: changes one thing about the homework's ``adams`` (name -> hyper-parameters added to its config).
P1_ADAM_VARIANTS: dict[str, dict[str, Any]] = {
    "homework": {},                                     # beta 0.99, eps 1e-8 inside the square root
    "eps_outside": {"eps_inside": False},               # m / (sqrt(s) + eps), as in Kingma & Ba
    "eps_zero": {"eps": 0.0},                           # no eps at all
    "standard": {"beta": 0.999, "eps_inside": False},   # Kingma & Ba's defaults
}
P1_ADAM_VARIANT_LRS = [1e-4, 1e-2]   # the rates of parts (b) and (d)
#: Sweep-grid indices bracketing each method's divergence limit in the committed sweep (largest rate
#: that converges, smallest that diverges); tests check they still bracket it. Plus GD at 1e-3.
P1_LIMIT_INDICES: dict[str, tuple[int, int]] = {"gd": (19, 20), "momentum": (17, 18)}


def evidence() -> list[ExperimentSpec]:
    """Runs that test the chapter's explanations: Adam variants, and GD/momentum at their divergence limits."""
    return [
        ExperimentSpec("p1-adam-variants", "rosenbrock",
                       "Adam variants (eps placement, eps = 0, beta2 = 0.999) at lr 1e-4 and 1e-2",
                    [{**_p1("adam", lr), **hyper} for lr in P1_ADAM_VARIANT_LRS for hyper in P1_ADAM_VARIANTS.values()]),
        ExperimentSpec("p1-limits", "rosenbrock", "GD and momentum just below and above their divergence limits, GD at 1e-3",
                    [_p1(o, P1_SWEEP_LRS[i]) for o, pair in P1_LIMIT_INDICES.items() for i in pair] + [_p1("gd", 1e-3)]),
    ]


def adam_variant_name(config: dict[str, Any]) -> str:
    """Which entry of :data:`P1_ADAM_VARIANTS` an Adam config is (by its hyper-parameters)."""
    hyper = {k: v for k, v in config.items() if k in ("beta", "eps", "eps_inside", "gamma")}
    return next(name for name, h in P1_ADAM_VARIANTS.items() if h == hyper)


def experiments() -> list[ExperimentSpec]:
    """Problem 1's experiments, in the order the chapter uses them."""
    return _parts() + evidence()
