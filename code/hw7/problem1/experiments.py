"""Problem 1's runs: the homework's three optimizers on the Rosenbrock valley, and a learning-rate sweep.

Declared as plain data (:class:`hw7.specs.ExperimentSpec`); the store's registry collects them.
"""

from __future__ import annotations

from typing import Any

from hw7.specs import ExperimentSpec, KindSpec

#: kind -> its runner and code version (bump the version when the runner's numerics change)
KINDS: dict[str, KindSpec] = {
    # version 2: first_step_below, tail_dist_min/max; 3: step lengths, Hessian eigenvalue
    "rosenbrock": KindSpec("hw7.problem1.runner:run_trajectory", 3),
    "rosenbrock_sweep": KindSpec("hw7.problem1.runner:run_sweep", 1),
}

P1_INIT = [-4.0, -2.0]
P1_STEPS = 100_000
#: 41 rates, log-spaced from 1e-6 to 1e-1: ``np.logspace(-6, -1, 41)`` as NumPy computed it on the machine the
#: sweep ran on. Written out because NumPy's vectorised ``pow`` differs in the last bit between CPUs (on an
#: AVX2-only machine 5 of the 41 come out one ulp apart, so the sweep's cache keys changed and its committed
#: entries read as missing), and a config must hash to the same key on every machine.
P1_SWEEP_LRS: list[float] = [
    1e-06, 1.333521432163324e-06, 1.7782794100389227e-06, 2.3713737056616552e-06, 3.162277660168379e-06,
    4.216965034285822e-06, 5.623413251903491e-06, 7.498942093324558e-06, 9.999999999999999e-06,
    1.333521432163324e-05, 1.778279410038923e-05, 2.3713737056616554e-05, 3.1622776601683795e-05,
    4.216965034285822e-05, 5.623413251903491e-05, 7.498942093324559e-05, 0.0001, 0.0001333521432163324,
    0.00017782794100389227, 0.0002371373705661655, 0.00031622776601683794, 0.00042169650342858224,
    0.0005623413251903491, 0.0007498942093324559, 0.001, 0.001333521432163324, 0.0017782794100389228,
    0.0023713737056616554, 0.0031622776601683794, 0.004216965034285822, 0.005623413251903491, 0.007498942093324558,
    0.01, 0.01333521432163324, 0.01778279410038923, 0.023713737056616554, 0.03162277660168379, 0.042169650342858224,
    0.056234132519034905, 0.07498942093324558, 0.1,
]


def _p1(optimizer: str, lr: float) -> dict[str, Any]:
    return {"optimizer": optimizer, "lr": lr, "steps": P1_STEPS, "init": P1_INIT}


def _parts() -> list[ExperimentSpec]:
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
                       "Adam variants (eps placement, eps = 0, beta2 0.999) at lr 1e-4 and 1e-2",
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
