"""What appendix A (the optimizer zoo) says, computed once from the cache as frozen, typed findings.

The appendix loads them with ``zoo.load()``; ``tests/test_claims_readings.py`` checks every
comparative or universal sentence against the same objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, TypeVar

import numpy as np
import pandas as pd

from hw7.entry import Entry
from hw7.findings import source
from hw7.present import stats
from hw7.present.plots import label
from hw7.readings.experiments import ZOO_SEEDS
from hw7.readings.zoo import PUBLISHED_ACC, TUTORIAL_HYPER, TUTORIAL_LOG_FINAL

K = TypeVar("K")


def holm(pvalues: Mapping[K, float]) -> set[K]:
    """The keys whose tests stay significant when all are corrected together (Holm, :func:`stats.holm`)."""
    keys = list(pvalues)
    return {k for k, p in zip(keys, stats.holm([pvalues[k] for k in keys])) if p < stats.ALPHA}


@dataclass(frozen=True)
class ZooRow:
    """One optimizer: the tutorial's one-seed accuracy beside ours over seeds."""

    optimizer: str
    lr: float
    published: float
    mean: float
    sd: float
    min: float
    max: float
    rank_published: int
    rank_ours: int
    pi: stats.Prediction                    # the published value against our seeds (prediction interval)

    @property
    def label(self) -> str:
        return label(self.optimizer)

    @property
    def inside(self) -> bool:
        """The published value lies inside our seeds' 95 % prediction interval for one new run."""
        return self.pi.low <= self.published <= self.pi.high

    @property
    def range(self) -> float:
        return self.max - self.min


@dataclass(frozen=True)
class Zoo:
    """Appendix A. Set-up numbers; the published list against our seeds (is each value inside our
    range, why all eight lie above our means); and which pairwise differences survive the seed spread
    (Welch at 5 % per pair, and Holm's correction over all pairs, since the ranking is one family)."""

    # set-up
    n_seeds: int
    n_runs: int
    hidden: int
    batch_size: int
    iterations: int
    batches_per_epoch: int
    eval_every: int
    sgd_lr: float
    momentum: float
    cpu_minutes: float
    rows: tuple[ZooRow, ...]                 # sorted by our mean, best first
    # the published list against our seeds
    below_published: tuple[int, ...]          # per seed of ours: optimizers below the published value
    seed_gap: tuple[float, ...]               # per seed: mean (published - ours) in points
    log_final: Mapping[str, float]            # the tutorial's own last logged accuracy (%)
    # pairwise comparisons: (better, worse) pairs
    separated: frozenset[tuple[str, str]]
    separated_holm: frozenset[tuple[str, str]]
    entries: tuple[Entry, ...] = field(repr=False, compare=False)

    def row(self, optimizer: str) -> ZooRow:
        return next(r for r in self.rows if r.optimizer == optimizer)

    @property
    def n_optimizers(self) -> int:
        return len(self.rows)

    @property
    def outside(self) -> frozenset[str]:
        return frozenset(r.optimizer for r in self.rows if not r.inside)

    @property
    def n_inside(self) -> int:
        return sum(r.inside for r in self.rows)

    @property
    def outside_holm(self) -> frozenset[str]:
        """Published values outside our seeds once the eight prediction tests are Holm-corrected together."""
        return frozenset(holm({r.optimizer: r.pi.p for r in self.rows}))

    @property
    def ranks_agree_from(self) -> int:
        """The best rank k from which on both lists put the same optimizer at every rank k, k + 1, ..."""
        k = self.n_optimizers
        while k > 1 and all(r.rank_ours == r.rank_published for r in self.rows if r.rank_ours >= k - 1):
            k -= 1
        return k

    @property
    def median_range(self) -> float:
        return float(np.median([r.range for r in self.rows]))

    @property
    def widest(self) -> ZooRow:
        return max(self.rows, key=lambda r: r.range)

    @property
    def published_gaps(self) -> tuple[float, ...]:
        """Gaps between neighbours in the tutorial's sorted list."""
        pub = sorted((r.published for r in self.rows), reverse=True)
        return tuple(a - b for a, b in zip(pub, pub[1:]))

    @property
    def n_small_gaps(self) -> int:
        """Gaps between published neighbours smaller than our median seed range."""
        return sum(g < self.median_range for g in self.published_gaps)

    @property
    def n_above(self) -> int:
        return sum(r.published > r.mean for r in self.rows)

    @property
    def sign_p(self) -> float:
        return stats.sign_test(self.n_above, self.n_optimizers)

    @property
    def published_lead(self) -> float:
        """Mean (published - our mean) over the optimizers, in points."""
        return 100 * float(np.mean([r.published - r.mean for r in self.rows]))

    @property
    def n_seeds_all_below(self) -> int:
        return sum(b == self.n_optimizers for b in self.below_published)

    @property
    def log_mismatch(self) -> frozenset[str]:
        """Optimizers whose published value disagrees with their own log (whole percent logs truncate)."""
        out = set()
        for opt, logged in self.log_final.items():
            pub = 100 * self.row(opt).published
            ok = round(pub, 2) == logged if logged != int(logged) else math.floor(pub + 1e-9) == logged
            if not ok:
                out.add(opt)
        return frozenset(out)

    @property
    def n_pairs(self) -> int:
        return self.n_optimizers * (self.n_optimizers - 1) // 2

    @property
    def top(self) -> frozenset[str]:
        """Optimizers no other one beats (paired by seed, 5 % per pair)."""
        return frozenset(r.optimizer for r in self.rows if not any(w == r.optimizer for _, w in self.separated))

    def beaten_by_all(self, pairs: frozenset[tuple[str, str]] | None = None) -> frozenset[str]:
        pairs = self.separated if pairs is None else pairs
        return frozenset(r.optimizer for r in self.rows
                         if sum(w == r.optimizer for _, w in pairs) == self.n_optimizers - 1)

    @property
    def best(self) -> ZooRow:
        return self.rows[0]

    @property
    def worst(self) -> ZooRow:
        return self.rows[-1]

    @property
    def bottom_two_trail(self) -> float:
        """How far (points) the better of the two lowest means trails the best mean."""
        return 100 * (self.best.mean - self.rows[-2].mean)

    @property
    def momentum_gain(self) -> float:
        """Our mean of SGD with momentum minus plain SGD, in points."""
        return 100 * (self.row("momentum").mean - self.row("sgd").mean)


def _pairs(by_seed: dict[str, dict[int, float]]) -> tuple[dict[tuple[str, str], float], set[tuple[str, str]]]:
    """Every pair of optimizers, paired by seed (they all train the same seeds): (higher mean, lower) -> its
    uncorrected p, and the pairs separated at 5 % before any correction."""
    pvalues, separated = {}, set()
    for a in by_seed:
        for b in by_seed:
            if a < b:
                v = stats.paired(by_seed[a], by_seed[b])
                pair = (a, b) if v.diff > 0 else (b, a)
                pvalues[pair] = v.p
                if v.significant:
                    separated.add(pair)
    return pvalues, separated


def load() -> Zoo:
    """Every finding of appendix A, from the committed cache."""
    entries = source.entries("app-zoo")
    accs: dict[str, list[float]] = {}
    for e in entries:
        accs.setdefault(e["config"]["optimizer"], []).append(e["result"]["final_test_acc"])
    lr = {e["config"]["optimizer"]: e["result"]["hyper_effective"]["lr"] for e in entries}
    spread = {o: (float(np.mean(a)), float(np.std(a, ddof=1)), min(a), max(a)) for o, a in accs.items()}
    rank_pub = pd.Series({o: PUBLISHED_ACC[o] for o in accs}).rank(ascending=False, method="min")
    rank_ours = pd.Series({o: s[0] for o, s in spread.items()}).rank(ascending=False, method="min")
    rows = tuple(sorted((ZooRow(o, lr[o], PUBLISHED_ACC[o], *spread[o], int(rank_pub[o]), int(rank_ours[o]),
                                stats.prediction(PUBLISHED_ACC[o], accs[o])) for o in accs), key=lambda r: -r.mean))
    seeds = sorted({e["config"]["seed"] for e in entries})
    per_seed = {s: {e["config"]["optimizer"]: e["result"]["final_test_acc"] for e in entries if e["config"]["seed"] == s}
                for s in seeds}
    pvalues, separated = _pairs({o: {s: per_seed[s][o] for s in seeds if o in per_seed[s]} for o in accs})
    cfg = entries[0]["config"]
    return Zoo(
        n_seeds=len(ZOO_SEEDS), n_runs=len(entries), hidden=cfg["hidden"], batch_size=cfg["batch_size"],
        iterations=cfg["iterations"], batches_per_epoch=60_000 // cfg["batch_size"], eval_every=cfg["eval_every"],
        sgd_lr=TUTORIAL_HYPER["sgd"]["lr"], momentum=TUTORIAL_HYPER["momentum"]["momentum"],
        cpu_minutes=sum(e["meta"]["seconds"] for e in entries) / 60, rows=rows,
        below_published=tuple(sum(per_seed[s][o] < PUBLISHED_ACC[o] for o in accs) for s in seeds),
        seed_gap=tuple(100 * float(np.mean([PUBLISHED_ACC[o] - per_seed[s][o] for o in accs])) for s in seeds),
        log_final=dict(TUTORIAL_LOG_FINAL), separated=frozenset(separated), separated_holm=frozenset(holm(pvalues)),
        entries=tuple(entries))


def markdown(z: Zoo) -> str:
    """The appendix's table: published beside ours, inside our 95 % prediction interval or not, and both ranks."""
    rows = [{"optimizer": r.label, "lr": f"{r.lr:g}", "published": f"{100 * r.published:.2f} %",
             "ours: mean ± sd": f"{100 * r.mean:.2f} % ± {100 * r.sd:.2f}",
             "ours: 95 % PI": f"{100 * r.pi.low:.2f} – {100 * r.pi.high:.2f} %",
             "p": stats.p_value(r.pi.p),
             "inside 95 % PI?": "yes" if r.inside else "**no**",
             "rank (published)": r.rank_published, "rank (ours)": r.rank_ours} for r in z.rows]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)
