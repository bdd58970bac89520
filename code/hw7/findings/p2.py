"""Findings of Problem 2 (shallow networks on MNIST), computed from the cache: what the chapter says.

One frozen dataclass per part; :func:`load` builds them all. The chapter cites their fields, and
``tests/test_claims.py`` checks each comparative sentence against the same objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hw7.errors import CacheMissing
from hw7.findings import expanded, records, source
from hw7.findings.common import Band, Entry, last_acc, last_of, pm, step_runs
from hw7.mnist import experiments as mx
from hw7.mnist import tables
from hw7.mnist.augment import elastic_sd
from hw7.mnist.data import MNIST_TEST_CLASS_COUNTS
from hw7.present import fmt, stats

#: a no-break space inside a table cell (a Unicode character: the Markdown table measures it as one)
NBSP = "\u00a0"

#: the loss of a guess that gives every digit the same probability
UNIFORM_LOSS = math.log(10)


def one_class(acc: float) -> bool:
    """Whether a test accuracy is exactly one digit's share of the test set: a network that answers
    that digit for every image (the shares differ by at least 1 image in 10,000, so this is a count)."""
    n = sum(MNIST_TEST_CLASS_COUNTS)
    return any(abs(acc * n - c) < 0.5 for c in MNIST_TEST_CLASS_COUNTS)


def single_digit_epochs(entry: Entry) -> int | None:
    """Epochs in which the network answered one digit for every test image, observed in the stored
    per-epoch counts of predicted digits (None for a run trained before they were recorded)."""
    counts = entry["result"].get("pred_counts")
    if not counts or any(c is None for c in counts):
        return None
    return sum(sum(1 for k in c if k) == 1 for c in counts)


def by_seed(entries: list[Entry]) -> dict[int, float]:
    """Last-epoch accuracy of each run, keyed by seed: what the paired comparisons read."""
    return {int(e["config"]["seed"]): float(e["result"]["eval_acc"][-1]) for e in entries}


@dataclass(frozen=True)
class Sweep:
    """One optimizer's learning-rate sweep on the homework's network (30 epochs, every seed at every rate)."""

    optimizer: str
    finals: dict[float, Band]
    seeds: dict[float, dict[int, float]]
    best: stats.Best[float]
    history: pd.DataFrame
    by_lr: pd.DataFrame
    nonfinite: int
    train_loss: dict[float, Band]
    single_digit: dict[float, int | None]
    epochs: dict[float, int]
    swing: dict[float, float]

    def at(self, lr: float) -> Band:
        return self.finals[lr]

    def acc_after(self, lr: float, epoch: int) -> float:
        """Test accuracy after ``epoch`` (1-based) at ``lr``, mean over seeds."""
        h = self.history
        return float(h[(h["lr"] == lr) & (h["epoch"] == epoch)]["acc"].mean())

    def loss_after(self, lr: float, epoch: int) -> float:
        """Mean training loss of epoch ``epoch`` (1-based) at ``lr``, mean over seeds."""
        h = self.history
        return float(h[(h["lr"] == lr) & (h["epoch"] == epoch)]["train_loss"].mean())

    @property
    def top(self) -> Band:
        return self.finals[self.best.top]

    @property
    def runner_up(self) -> float:
        """The rate with the second-highest mean final accuracy."""
        return sorted(self.finals, key=lambda lr: self.finals[lr].mean)[-2]

    def vs_top(self, lr: float) -> stats.Paired:
        """``lr``'s final accuracy minus the top rate's, paired by seed; ``p`` Holm-corrected over the other
        rates (the top is picked after the fact, so each other rate against it is one of a family)."""
        top = self.best.top
        family = stats.paired_against_control(self.seeds[top], {r: v for r, v in self.seeds.items() if r != top})
        return family[lr]

    @property
    def collapse_lr(self) -> float:
        """The smallest rate whose mean accuracy is below 50 % (NaN if none)."""
        low = [lr for lr, b in self.finals.items() if b.mean < 0.5]
        return min(low) if low else float("nan")


def _sweep(optimizer: str, entries: list[Entry]) -> Sweep:
    lrs = sorted({e["config"]["lr"] for e in entries})
    by = {lr: [e for e in entries if e["config"]["lr"] == lr] for lr in lrs}
    seeds = {lr: by_seed(by[lr]) for lr in lrs}

    def swing(runs: list[Entry]) -> float:  # mean |change| of accuracy between epochs, last 10 epochs
        return float(np.mean([np.abs(np.diff(e["result"]["eval_acc"][-11:])).mean() for e in runs]))

    def observed(runs: list[Entry]) -> int | None:
        counts = [single_digit_epochs(e) for e in runs]
        return None if None in counts else sum(c for c in counts if c is not None)

    return Sweep(optimizer=optimizer, finals={lr: last_acc(by[lr]) for lr in lrs}, seeds=seeds,
                 best=stats.best_paired(seeds), history=tables.history(entries),
                 by_lr=tables.over_seeds(tables.finals(entries), ["lr"]),
                 nonfinite=sum(e["result"]["diverged_epoch"] is not None for e in entries),
                 train_loss={lr: last_of(by[lr], "train_loss") for lr in lrs},
                 single_digit={lr: observed(by[lr]) for lr in lrs},
                 epochs={lr: sum(len(e["result"]["eval_acc"]) for e in by[lr]) for lr in lrs},
                 swing={lr: swing(by[lr]) for lr in lrs})


@dataclass(frozen=True)
class PartA:
    """(a) The homework's network with SGD (Nesterov): its baseline and the learning-rate sweep."""

    sgd: Sweep
    homework_lr: float
    baseline: Band
    top_vs_baseline: stats.Paired
    late_rise: float
    setup: dict[str, Any]

    def table(self, adam: Sweep) -> pd.DataFrame:
        """Final accuracy by learning rate for both optimizers (mean ± sd, %)."""
        return pd.DataFrame([{"learning rate": fmt.lr_tex(lr), "SGD (Nesterov)": pm(self.sgd.at(lr)), "Adam": pm(adam.at(lr))}
                             for lr in sorted(self.sgd.finals)])


@dataclass(frozen=True)
class PartB:
    """(b) Adam over the same rates, against SGD (same seeds: same data order and initial weights)."""

    adam: Sweep
    vs_sgd_at_homework_lr: stats.Paired
    tops: stats.Paired  # Adam at its top rate minus SGD at its top rate
    sgd_ahead_from: int | None  # at each one's top rate: the first epoch from which SGD's mean accuracy stays ahead
    adam_loss_lower: int  # epochs (of 30) in which Adam's mean training loss, at its top rate, is below SGD's at its


def _curves_at_tops(sgd: Sweep, adam: Sweep) -> tuple[int | None, int]:
    """Where SGD's and Adam's learning curves at their top rates differ: the epoch from which SGD's mean
    test accuracy stays ahead (None if it never does), and in how many epochs Adam's training loss is lower."""
    epochs = sorted(set(sgd.history["epoch"]))
    ahead = [sgd.acc_after(sgd.best.top, e) > adam.acc_after(adam.best.top, e) for e in epochs]
    start = next((e for i, e in enumerate(epochs) if all(ahead[i:])), None)
    lower = sum(adam.loss_after(adam.best.top, e) < sgd.loss_after(sgd.best.top, e) for e in epochs)
    return start, lower


def ci_cell(v: stats.Paired) -> str:
    """``+0.26 [−0.04, 0.56]``: a paired difference and its 95 % interval in points, for a table cell."""
    low, high = (fmt.signed(100 * e).lstrip("+").replace("-", "−") for e in (v.low, v.high))
    return f"{fmt.signed(100 * v.diff).replace('-', '−')} [{low},{NBSP}{high}]"


@dataclass(frozen=True)
class PartC:
    """(c) The one-hidden-layer search (validation split) and the chosen network on the test set."""

    search: pd.DataFrame
    steps: dict[str, Band]
    chain: dict[str, stats.Paired]  # wave 1: each step minus the row above, Holm over the wave
    vs_wide: dict[str, stats.Paired]  # waves 2 and 3: each step minus the 800-unit net (w1.5), Holm
    wide_train_loss: float
    wide_val_loss: float
    best: stats.Best[str]
    choice: str
    final: Band
    final_vs_baseline: stats.Paired
    params: int
    batch_speedup: float
    batch10: Band                  # the chosen net at the search's own batch (10) and rate (1e-2), validation
    batch10_vs_chosen: stats.Paired  # batch 10 minus the chosen net (batch 100) on validation, paired by seed

    def table(self) -> pd.DataFrame:
        """The search as the reader sees it: Δ (95 % CI) and Holm's p against the row above (wave 1)
        or against the 800-unit network w1.5 (waves 2 and 3)."""
        rows = tables.search_report(self.search, {}).drop(columns=["Δ (points)", "s / run", "parameters"])
        rows["change"] = (rows["change"].str.replace(r"^homework set-up \(.*\)$", "the homework’s set-up", regex=True)
                          .str.replace("tied for best in part a", "the best rate of part a"))
        found = {**self.chain, **self.vs_wide}
        rows["Δ points [95 % CI]"] = [ci_cell(found[s]) if s in found else "" for s in rows["id"]]
        rows["p (Holm)"] = [stats.p_value(found[s].p).replace(" ", NBSP) if s in found else "" for s in rows["id"]]
        # a pipe table's columns get widths in proportion to their longest cell: no-break padding keeps the
        # short columns wide enough that a number never wraps inside its cell in the PDF
        return rows.rename(columns={"id": "id" + NBSP * 4, "Δ points [95 % CI]": "Δ points [95 % CI]" + NBSP * 4})

    @property
    def below_best(self) -> tuple[str, ...]:
        """The search steps the paired, Holm-corrected rule separates from the highest mean (search order)."""
        return tuple(s for s in self.steps if s not in self.best.tied)

    @property
    def wave2(self) -> dict[str, stats.Paired]:
        return {s: v for s, v in self.vs_wide.items() if s.startswith("w2")}


@dataclass(frozen=True)
class Repro:
    """What regenerating the chapter costs."""

    experiments: tuple[str, ...]
    runs: int
    minutes: float
    devices: tuple[str, ...]
    timed_runs: int
    timed_wall_minutes: float
    timed_cpu_minutes: float


@dataclass(frozen=True)
class Beyond:
    """Beyond the homework's knobs, paired by seed: the expanded-data net against the chosen plain net
    (test), and the long run on distorted images against its control on the original images (test)."""

    expanded_vs_plain: stats.Paired
    record_vs_control: stats.Paired


def _beyond() -> Beyond:
    def seeds(name: str) -> dict[int, float]:
        return by_seed(source.entries(name))

    return Beyond(expanded_vs_plain=stats.paired(seeds("p2-c-expand-final"), seeds("p2-c-final")),
                  record_vs_control=stats.paired(seeds("p2-c-record-final"), seeds("p2-c-record-control")))


@dataclass(frozen=True)
class P2:
    """Problem 2's findings, part by part; ``x`` is "Expanding the data" in part (c)."""

    a: PartA
    b: PartB
    c: PartC
    x: expanded.Expanded
    record: records.Record
    beyond: Beyond
    distortions: dict[str, Any]
    elastic_px: float
    repro: Repro


def _part_c() -> PartC:
    entries = source.entries("p2-c-search")
    runs = step_runs(entries, mx.P2C_SEARCH)
    steps = {sid: last_acc(rs) for sid, rs in runs.items()}
    seeds = {sid: by_seed(rs) for sid, rs in runs.items()}
    wave1 = [s for s in runs if s.startswith("w1")]
    raw = [stats.paired(seeds[s], seeds[r]) for r, s in zip(wave1, wave1[1:])]
    holm = stats.holm([v.p for v in raw])
    chain = {s: stats.Paired(v.diff, v.low, v.high, p, v.n, 0 if p >= stats.ALPHA else (1 if v.diff > 0 else -1), v.p)
             for s, v, p in zip(wave1[1:], raw, holm)}
    wide = tables.history(runs["w1.5"])
    last = wide[wide["epoch"] == wide["epoch"].max()]
    search = tables.search_table(entries, mx.P2C_SEARCH)
    seconds = search.set_index("id")["seconds"]
    finals = source.entries("p2-c-final")
    batch10 = source.entries("p2-c-batch-val")
    baseline = by_seed([e for e in source.entries("p2-a-sgd-lr") if e["config"]["lr"] == mx.P2_BASELINE["lr"]])
    return PartC(search=search, steps=steps, chain=chain,
                 vs_wide=stats.paired_against_control(seeds["w1.5"], {s: seeds[s] for s in seeds if s[:2] in ("w2", "w3")}),
                 wide_train_loss=float(last["train_loss"].mean()), wide_val_loss=float(last["loss"].mean()),
                 best=stats.best_paired(seeds), choice=mx.P2C_CHOICE, final=last_acc(finals),
                 final_vs_baseline=stats.paired(by_seed(finals), baseline),
                 params=int(finals[0]["result"]["params"]), batch_speedup=float(seconds["w1.3"] / seconds["w1.4"]),
                 batch10=last_acc(batch10), batch10_vs_chosen=stats.paired(by_seed(batch10), seeds[mx.P2C_CHOICE]))


def _repro() -> Repro:
    from hw7.store import registry

    names, entries = [], []
    for name in (e for e in registry.experiments() if e.startswith("p2-")):
        try:  # an experiment registered but not yet computed is not part of the chapter yet
            entries += source.entries(name)
            names.append(name)
        except CacheMissing:
            continue
    # runs that recorded CPU time (the expanded-data runs) trained beside other jobs: their wall time overstates cost
    timed = [e for e in entries if e["result"].get("cpu_seconds")]
    return Repro(experiments=tuple(names), runs=len(entries),
                 minutes=sum(e["meta"]["seconds"] for e in entries) / 60,
                 devices=tuple(sorted({fmt.text(e["meta"]["device"]) for e in entries})), timed_runs=len(timed),
                 timed_wall_minutes=sum(e["meta"]["seconds"] for e in timed) / 60,
                 timed_cpu_minutes=sum(e["result"]["cpu_seconds"] for e in timed) / 60)


def load() -> P2:
    """Every finding of the Problem 2 chapter, from the committed cache."""
    sgd = _sweep("sgd", source.entries("p2-a-sgd-lr"))
    adam = _sweep("adam", source.entries("p2-b-adam-lr"))
    lr0 = mx.P2_BASELINE["lr"]
    rise = sgd.acc_after(lr0, 30) - sgd.acc_after(lr0, 25)
    a = PartA(sgd=sgd, homework_lr=lr0, baseline=sgd.at(lr0), late_rise=rise, setup=dict(mx.P2_BASELINE),
              top_vs_baseline=stats.paired(sgd.seeds[sgd.best.top], sgd.seeds[lr0]))
    ahead, lower = _curves_at_tops(sgd, adam)
    b = PartB(adam=adam, vs_sgd_at_homework_lr=stats.paired(adam.seeds[lr0], sgd.seeds[lr0]),
              tops=stats.paired(adam.seeds[adam.best.top], sgd.seeds[sgd.best.top]), sgd_ahead_from=ahead,
              adam_loss_lower=lower)
    distortions = expanded.describe_distortions()
    return P2(a=a, b=b, c=_part_c(), x=expanded.p2(), record=records.shallow(), beyond=_beyond(),
              distortions=distortions,
              elastic_px=elastic_sd(distortions["elastic"]), repro=_repro())
