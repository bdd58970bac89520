"""The experiment registry: the single list of every run the report uses.

An *experiment* is a named group of runs of one *kind* (one runner computes them).
A *run* is one plain-JSON config. Its cache key hashes the kind, the config and the
kind's code version, so a changed config or a changed runner never reuses old results.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from . import appendix_experiments
from .errors import UnknownExperiment

#: Bump a kind's version when its runner's numerics change: every key of that kind changes.
CODE_VERSION: dict[str, int] = {
    "rosenbrock": 3,  # 2: adds first_step_below and tail_dist_min/max; 3: step lengths, Hessian eigenvalue
    "rosenbrock_sweep": 1,
    "mnist": 1,
}

#: kind -> (module, function) of its runner; imported lazily so listing never loads torch.
RUNNERS: dict[str, tuple[str, str]] = {
    "rosenbrock": ("hw7.p1_runner", "run_trajectory"),
    "rosenbrock_sweep": ("hw7.p1_runner", "run_sweep"),
    "mnist": ("hw7.mnist_runner", "run"),
}

# The appendices' kinds live beside their experiments (kind -> (module, function, code version)).
for _kind, (_module, _function, _version) in appendix_experiments.KINDS.items():
    RUNNERS[_kind] = (_module, _function)
    CODE_VERSION[_kind] = _version


def canonical_json(obj: Any) -> str:
    """One spelling per value: sorted keys, no spaces. Hashes and checksums are taken of this."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


@dataclass(frozen=True)
class Run:
    """One config of one experiment. ``experiment`` names it for messages; it is not part of the key."""

    experiment: str
    kind: str
    config_json: str  # canonical JSON, so the dataclass stays hashable and immutable

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.config_json)

    @cached_property  # hashed once per Run: the CLI, cache and summary ask for it many times
    def key(self) -> str:
        payload = {"kind": self.kind, "config": self.config, "code_version": CODE_VERSION[self.kind]}
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        """A short human-readable name: the fields that tell runs of one experiment apart."""
        config = self.config
        if self.kind == "mnist":
            extras = [f"{k}={config[k]}" for k in ("dropout", "batch_norm", "scheduler", "weight_decay") if config.get(k)]
            return " ".join([f"{'-'.join(map(str, config['sizes']))} {config['activation']} {config['optimizer']}",
                             f"lr={config['lr']:g} bs={config['batch_size']} ep={config['epochs']}",
                             *extras, f"eval={config['eval']} seed={config['seed']}"])
        parts = [f"{k}={v}" for k, v in sorted(config.items()) if isinstance(v, (str, int, float))]
        return ",".join(parts)


@dataclass(frozen=True)
class Experiment:
    name: str
    kind: str
    title: str
    configs: tuple[str, ...]  # canonical JSON of each run's config

    @property
    def runs(self) -> list[Run]:
        return [Run(self.name, self.kind, c) for c in self.configs]


def _experiment(name: str, kind: str, title: str, configs: list[Mapping[str, Any]]) -> Experiment:
    if kind not in CODE_VERSION:
        raise ValueError(f"experiment {name!r}: unknown kind {kind!r}")
    encoded = tuple(dict.fromkeys(canonical_json(dict(c)) for c in configs))  # drop exact duplicates
    return Experiment(name, kind, title, encoded)


# --------------------------------------------------------------------------------------------
# Problem 1: the homework's optimizers on the Rosenbrock valley.
P1_INIT = [-4.0, -2.0]
P1_STEPS = 100_000
P1_SWEEP_LRS = [float(v) for v in np.logspace(-6, -1, 41)]


def _p1(optimizer: str, lr: float) -> dict[str, Any]:
    return {"optimizer": optimizer, "lr": lr, "steps": P1_STEPS, "init": P1_INIT}


def _problem1() -> list[Experiment]:
    return [
        _experiment("p1-b", "rosenbrock", "GD, momentum and Adam at lr 1e-4",
                    [_p1(o, 1e-4) for o in ("gd", "momentum", "adam")]),
        _experiment("p1-c", "rosenbrock", "Momentum and Adam at lr 1e-3",
                    [_p1(o, 1e-3) for o in ("momentum", "adam")]),
        _experiment("p1-d", "rosenbrock", "Adam at lr 1e-2 against momentum at lr 1e-4",
                    [_p1("adam", 1e-2), _p1("momentum", 1e-4)]),
        _experiment("p1-lr-sweep", "rosenbrock_sweep", "Final distance vs learning rate, 41 rates 1e-6..1e-1",
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


def _problem1_evidence() -> list[Experiment]:
    return [
        _experiment("p1-adam-variants", "rosenbrock", "Adam variants (eps placement, eps = 0, beta2 0.999) at lr 1e-4 and 1e-2",
                    [{**_p1("adam", lr), **hyper} for lr in P1_ADAM_VARIANT_LRS for hyper in P1_ADAM_VARIANTS.values()]),
        _experiment("p1-limits", "rosenbrock", "GD and momentum just below and above their divergence limits, GD at 1e-3",
                    [_p1(o, P1_SWEEP_LRS[i]) for o, pair in P1_LIMIT_INDICES.items() for i in pair] + [_p1("gd", 1e-3)]),
    ]


# --------------------------------------------------------------------------------------------
# Problem 2: shallow nets on MNIST. Configs are stored complete (every TrainConfig field), so a
# changed default in the engine changes the keys instead of silently reusing old results.
P2_SEEDS = [0, 1, 2]
P2_LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0]
#: The homework's network and training set-up (Problem 2, part a).
P2_BASELINE: dict[str, Any] = {
    "sizes": [784, 30, 10], "activation": "sigmoid", "init": "xavier_normal",
    "optimizer": "sgd", "lr": 1e-3, "momentum": 0.8, "nesterov": True, "weight_decay": 1e-5,
    "batch_size": 10, "epochs": 30,
}


def mnist_config(**fields: Any) -> dict[str, Any]:
    """A complete, validated MNIST config (defaults filled in by the engine's TrainConfig)."""
    from .engine import TrainConfig  # torch is imported only when MNIST experiments are needed

    return TrainConfig.from_dict(fields).to_dict()


#: Problem 2(c): a budgeted search on the validation split (train on 50,000, evaluate on the 10,000
#: held out; the test set is not touched). Wave 1 walks from the homework's set-up to a wide ReLU
#: net, one change per row, each row keeping the changes above it. Wave 2 tries single changes
#: on top of wave 1's last row. Each entry: (id, what changed, config fields).
_W1: dict[str, Any] = {**P2_BASELINE, "eval": "val"}
_W1_SGD = {**_W1, "lr": 1e-2}                                              # best rate of part (a)
_W1_W100 = {**_W1_SGD, "sizes": [784, 100, 10]}
_W1_RELU = {**_W1_W100, "activation": "relu", "init": "kaiming_uniform"}
_W1_B100 = {**_W1_RELU, "batch_size": 100, "lr": 1e-1}                     # 10x batch, 10x rate
_W1_W800 = {**_W1_B100, "sizes": [784, 800, 10]}
P2C_SEARCH: list[tuple[str, str, dict[str, Any]]] = [
    ("w1.0", "homework set-up (SGD Nesterov 0.8, lr 1e-3, 30 sigmoid units, batch 10)", _W1),
    ("w1.1", "learning rate 1e-2 (best of part a)", _W1_SGD),
    ("w1.2", "100 hidden units", _W1_W100),
    ("w1.3", "ReLU + Kaiming-uniform init", _W1_RELU),
    ("w1.4", "batch 100 with lr 1e-1 (rate scaled with batch)", _W1_B100),
    ("w1.5", "800 hidden units", _W1_W800),
    ("w2.a", "Adam lr 1e-3 instead of SGD", {**_W1_W800, "optimizer": "adam", "lr": 1e-3}),
    ("w2.b", "momentum 0.9 instead of 0.8", {**_W1_W800, "momentum": 0.9}),
    ("w2.c", "StepLR: lr x0.1 every 10 epochs", {**_W1_W800, "scheduler": {"step_size": 10, "gamma": 0.1}}),
    ("w2.d", "weight decay 1e-4 instead of 1e-5", {**_W1_W800, "weight_decay": 1e-4}),
    ("w2.e", "dropout 0.5 on the hidden layer", {**_W1_W800, "dropout": 0.5}),
    ("w2.f", "60 epochs instead of 30", {**_W1_W800, "epochs": 60}),
    # wave 3: dropout was wave 2's only clear gain; give it more epochs with a decaying rate, or more units
    ("w3.a", "dropout 0.5 + 60 epochs + lr x0.1 every 20 epochs",
     {**_W1_W800, "dropout": 0.5, "epochs": 60, "scheduler": {"step_size": 20, "gamma": 0.1}}),
    ("w3.b", "dropout 0.5 + 1600 hidden units", {**_W1_W800, "dropout": 0.5, "sizes": [784, 1600, 10]}),
]


#: The search step with the best mean validation accuracy; its final runs train on all 60,000
#: training images and are scored once on the test set. (The chapter checks it is the argmax.)
P2C_CHOICE = "w3.b"


def search_fields(search: list[tuple[str, str, dict[str, Any]]], step: str) -> dict[str, Any]:
    return next(fields for sid, _, fields in search if sid == step)


def _problem2() -> list[Experiment]:
    def sweep(optimizer: str) -> list[dict[str, Any]]:
        return [mnist_config(**{**P2_BASELINE, "optimizer": optimizer, "lr": lr, "seed": s})
                for lr in P2_LRS for s in P2_SEEDS]

    return [
        _experiment("p2-a-sgd-lr", "mnist", "784-30-10 sigmoid, SGD (Nesterov 0.8): learning-rate sweep x 3 seeds",
                    sweep("sgd")),
        _experiment("p2-b-adam-lr", "mnist", "784-30-10 sigmoid, Adam: learning-rate sweep x 3 seeds",
                    sweep("adam")),
        _experiment("p2-c-search", "mnist", "One hidden layer: budgeted search on the validation split x 3 seeds",
                    [mnist_config(**fields, seed=s) for _, _, fields in P2C_SEARCH for s in P2_SEEDS]),
        _experiment("p2-c-final", "mnist", "The chosen one-hidden-layer net on the test set x 3 seeds",
                    [mnist_config(**{**search_fields(P2C_SEARCH, P2C_CHOICE), "eval": "test"}, seed=s)
                     for s in P2_SEEDS]),
    ]


# --------------------------------------------------------------------------------------------
# Problem 3: deep dense nets. Part (a)/(b) use the homework's 8 x 30 hidden layers with the Problem 2
# training set-up, at the homework's rate and at the best SGD rate of Problem 2(a).
P3_DEEP_SIZES = [784] + [30] * 8 + [10]
P3_LRS = [1e-3, 1e-2]


#: Problem 3(c): deep dense nets that narrow from input to output, searched on the validation split.
#: All: ReLU + Kaiming uniform, batch 100, 30 epochs, lr x0.1 every 10 epochs. Each entry: (id, what, fields).
_D_BASE: dict[str, Any] = {
    "sizes": [784, 256, 128, 64, 10], "activation": "relu", "init": "kaiming_uniform", "optimizer": "sgd",
    "lr": 5e-2, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-5, "batch_size": 100, "epochs": 30,
    "scheduler": {"step_size": 10, "gamma": 0.1}, "eval": "val",
}
_D_512 = {**_D_BASE, "sizes": [784, 512, 256, 128, 10]}
P3C_SEARCH: list[tuple[str, str, dict[str, Any]]] = [
    ("d.1", "784-256-128-64-10, SGD Nesterov 0.9, lr 5e-2, StepLR", _D_BASE),
    ("d.2", "wider: 784-512-256-128-10", _D_512),
    ("d.3", "784-512-256-128-10 with Adam lr 1e-3", {**_D_512, "optimizer": "adam", "lr": 1e-3}),
    ("d.4", "784-512-256-128-10 + dropout 0.2", {**_D_512, "dropout": 0.2}),
    ("d.5", "784-512-256-128-10 + batch norm", {**_D_512, "batch_norm": True}),
    ("d.6", "784-512-256-128-10 + batch norm + dropout 0.2", {**_D_512, "batch_norm": True, "dropout": 0.2}),
    ("d.7", "wider still: 784-1024-512-256-10 + dropout 0.3", {**_D_512, "sizes": [784, 1024, 512, 256, 10], "dropout": 0.3}),
    # wave 2, after wave 1: Adam and batch norm + dropout were the two clear gains; combine them
    ("e.1", "784-512-256-128-10 + batch norm + dropout 0.2, Adam lr 1e-3",
     {**_D_512, "batch_norm": True, "dropout": 0.2, "optimizer": "adam", "lr": 1e-3}),
    ("e.2", "784-1024-512-256-10 + batch norm + dropout 0.2, Adam lr 1e-3",
     {**_D_512, "sizes": [784, 1024, 512, 256, 10], "batch_norm": True, "dropout": 0.2, "optimizer": "adam", "lr": 1e-3}),
]


#: The deep search step with the best mean validation accuracy (its final runs use the test set).
P3C_CHOICE = "e.2"


def _problem3() -> list[Experiment]:
    def deep(activation: str, init: str) -> list[dict[str, Any]]:
        return [mnist_config(**{**P2_BASELINE, "sizes": P3_DEEP_SIZES, "activation": activation, "init": init,
                                "lr": lr, "seed": s}) for lr in P3_LRS for s in P2_SEEDS]

    return [
        _experiment("p3-a-sigmoid-deep", "mnist", "8 x 30 sigmoid hidden layers, Xavier: gradient ratios x 3 seeds",
                    deep("sigmoid", "xavier_normal")),
        _experiment("p3-b-relu-deep", "mnist", "8 x 30 ReLU hidden layers, Kaiming uniform: gradient ratios x 3 seeds",
                    deep("relu", "kaiming_uniform")),
        _experiment("p3-c-search", "mnist", "Deep dense nets: budgeted search on the validation split x 3 seeds",
                    [mnist_config(**fields, seed=s) for _, _, fields in P3C_SEARCH for s in P2_SEEDS]),
        _experiment("p3-c-final", "mnist", "The chosen deep dense net on the test set x 3 seeds",
                    [mnist_config(**{**search_fields(P3C_SEARCH, P3C_CHOICE), "eval": "test"}, seed=s)
                     for s in P2_SEEDS]),
    ]


# Problem 3(c), controlled: is the deep winner's gain depth, or its recipe? The shallow net gets the
# deep winner's recipe unchanged (batch norm + dropout, Adam, StepLR, batch, epochs); only the hidden
# layers change, to the single layer of the best shallow net (Problem 2(c)'s choice), so the two
# differ in depth alone. Validation runs (compare with the deep search) and test finals, 3 seeds each.
P3C_SHALLOW_SIZES: list[int] = list(search_fields(P2C_SEARCH, P2C_CHOICE)["sizes"])


def p3c_shallow_same_recipe_fields() -> dict[str, Any]:
    """The deep winner's fields with the best shallow net's single hidden layer."""
    return {**search_fields(P3C_SEARCH, P3C_CHOICE), "sizes": P3C_SHALLOW_SIZES}


#: Which halves of the controlled comparison are part of the registry ("test": the finals on the test
#: set; "val": the validation runs). Its runs go through the plain reference loop (batch norm +
#: dropout) and on the shared 2-core machine take long; a half is listed here once its entries are in
#: cache/ (keys do not depend on this), and the Problem 3 chapter and cache/summary.json pick it up.
P3C_CONTROLLED_SPLITS: tuple[str, ...] = ("test", "val")


def _problem3_controlled() -> list[Experiment]:
    fields = p3c_shallow_same_recipe_fields()
    names = {"test": ("p3-c-shallow-same-recipe", "on the test set"),
             "val": ("p3-c-shallow-same-recipe-val", "on the validation split")}
    return [_experiment(names[split][0], "mnist",
                        f"The best shallow width with the deep winner's recipe {names[split][1]} x 3 seeds",
                        [mnist_config(**{**fields, "eval": split}, seed=s) for s in P2_SEEDS])
            for split in ("test", "val") if split in P3C_CONTROLLED_SPLITS]


@cache
def experiments() -> dict[str, Experiment]:
    """Every experiment, by name, in the order the report uses them.

    Tests only: ``$HW7_REGISTRY_MODULE=some.module`` replaces them with ``some.module.experiments()``
    (a list of :class:`Experiment`), so a ``python -m hw7`` subprocess sees a registry of cheap runs.
    """
    if os.environ.get("HW7_REGISTRY_MODULE"):
        return {e.name: e for e in importlib.import_module(os.environ["HW7_REGISTRY_MODULE"]).experiments()}
    found: dict[str, Experiment] = {}
    for exp in (_problem1() + _problem1_evidence() + _problem2() + _problem3() + _problem3_controlled()
                + appendix_experiments.appendix_experiments()):
        if exp.name in found:
            raise ValueError(f"experiment {exp.name!r} defined twice")
        found[exp.name] = exp
    return found


def get(name: str) -> Experiment:
    try:
        return experiments()[name]
    except KeyError:
        known = ", ".join(experiments())
        raise UnknownExperiment(f"unknown experiment {name!r}; known: {known} (see `python -m hw7 list`)") from None


def select(patterns: list[str]) -> list[Experiment]:
    """Experiments named by exact names or shell-style patterns (``p2-*``), in registry order.

    Every pattern must match something, so a typo fails before any computing starts.
    """
    names = list(experiments())
    chosen: set[str] = set()
    for pattern in patterns:
        matched = fnmatch.filter(names, pattern) if any(ch in pattern for ch in "*?[") else [get(pattern).name]
        if not matched:
            raise UnknownExperiment(f"no experiment matches {pattern!r}; known: {', '.join(names)}")
        chosen.update(matched)
    return [experiments()[n] for n in names if n in chosen]


def all_runs() -> Iterator[Run]:
    for exp in experiments().values():
        yield from exp.runs


def runner(kind: str) -> Callable[..., Iterator[tuple[int, dict]]]:
    module, function = RUNNERS[kind]
    return getattr(importlib.import_module(module), function)
