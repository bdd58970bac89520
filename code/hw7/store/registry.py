"""The experiment registry: the single list of every run the report uses.

An *experiment* is a named group of runs of one *kind* (one runner computes them).
A *run* is one plain-JSON config. Its cache key hashes the kind, the config and the
kind's code version, so a changed config or a changed runner never reuses old results.

The experiments themselves are declared by the families (``hw7.problem1.experiments``,
``hw7.mnist.experiments``, ``hw7.readings.experiments``) as plain data; this module collects
them. The families never import the store, so the dependency runs one way.
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

from hw7.errors import UnknownExperiment
from hw7.mnist import experiments as mnist_experiments
from hw7.problem1 import experiments as problem1_experiments
from hw7.readings import experiments as readings_experiments
from hw7.specs import KindSpec, canonical_json

#: The experiment families, in book order: Problem 1, Problems 2-3 (MNIST), the appendices.
FAMILIES = (problem1_experiments, mnist_experiments, readings_experiments)

KINDS: dict[str, KindSpec] = {kind: spec for family in FAMILIES for kind, spec in family.KINDS.items()}
#: Bump a kind's version (in its family's KINDS) when its runner's numerics change: every key of that kind changes.
CODE_VERSION: dict[str, int] = {kind: spec.version for kind, spec in KINDS.items()}


def key_of(kind: str, config: dict[str, Any], code_version: int) -> str:
    """A run's cache key: the first 16 hex digits of the sha256 of its kind, config and code version."""
    payload = {"kind": kind, "config": config, "code_version": code_version}
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()[:16]


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
        return key_of(self.kind, self.config, CODE_VERSION[self.kind])

    @property
    def label(self) -> str:
        """A short human-readable name: the fields that tell runs of one experiment apart."""
        config = self.config
        if self.kind == "mnist":
            extras = [f"{k}={config[k]}" for k in ("dropout", "batch_norm", "scheduler", "weight_decay") if config.get(k)]
            if config.get("augment"):
                extras.append("augment=" + ",".join(f"{k}:{v:g}" for k, v in config["augment"].items() if v))
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


@cache
def experiments() -> dict[str, Experiment]:
    """Every experiment, by name, in the order the report uses them.

    Tests only: ``$HW7_REGISTRY_MODULE=some.module`` replaces them with ``some.module.experiments()``
    (a list of :class:`Experiment`), so a ``python -m hw7`` subprocess sees a registry of cheap runs.
    """
    if os.environ.get("HW7_REGISTRY_MODULE"):
        return {e.name: e for e in importlib.import_module(os.environ["HW7_REGISTRY_MODULE"]).experiments()}
    found: dict[str, Experiment] = {}
    for spec in (s for family in FAMILIES for s in family.experiments()):
        exp = _experiment(*spec)
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
    """The function that computes runs of ``kind`` (imported now: it may load torch)."""
    module, function = KINDS[kind].runner.split(":")
    return getattr(importlib.import_module(module), function)
