"""The experiment registry: the single list of every run the report uses.

An *experiment* is a named group of runs of one *kind* (one runner computes them).
A *run* is one plain-JSON config. Its cache key hashes the kind, the config and the
kind's code version, so a changed config or a changed runner never reuses old results.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from .errors import UnknownExperiment

#: Bump a kind's version when its runner's numerics change: every key of that kind changes.
CODE_VERSION: dict[str, int] = {
    "rosenbrock": 2,  # 2: adds first_step_below and tail_dist_min/max
    "rosenbrock_sweep": 1,
    "mnist": 1,
}

#: kind -> (module, function) of its runner; imported lazily so listing never loads torch.
RUNNERS: dict[str, tuple[str, str]] = {
    "rosenbrock": ("hw7.p1_runner", "run_trajectory"),
    "rosenbrock_sweep": ("hw7.p1_runner", "run_sweep"),
    "mnist": ("hw7.mnist_runner", "run"),
}


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

    @property
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


def _problem2() -> list[Experiment]:
    def sweep(optimizer: str) -> list[dict[str, Any]]:
        return [mnist_config(**{**P2_BASELINE, "optimizer": optimizer, "lr": lr, "seed": s})
                for lr in P2_LRS for s in P2_SEEDS]

    return [
        _experiment("p2-a-sgd-lr", "mnist", "784-30-10 sigmoid, SGD (Nesterov 0.8): learning-rate sweep x 3 seeds",
                    sweep("sgd")),
        _experiment("p2-b-adam-lr", "mnist", "784-30-10 sigmoid, Adam: learning-rate sweep x 3 seeds",
                    sweep("adam")),
    ]


@cache
def experiments() -> dict[str, Experiment]:
    """Every experiment, by name, in the order the report uses them."""
    found: dict[str, Experiment] = {}
    for exp in _problem1() + _problem2():
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


def all_runs() -> Iterator[Run]:
    for exp in experiments().values():
        yield from exp.runs


def runner(kind: str) -> Callable[..., Iterator[tuple[int, dict]]]:
    module, function = RUNNERS[kind]
    return getattr(importlib.import_module(module), function)
