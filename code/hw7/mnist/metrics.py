"""Problems 2 and 3: headline numbers for ``cache/summary.json`` (collected by :mod:`hw7.store.summary`)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from hw7.entry import Entry, Metric, final_acc
from hw7.mnist import tables
from hw7.mnist.experiments import P2_BASELINE


def _lr_sweep(part: str, opt: str, *, with_baseline: bool = False) -> Callable[[list[Entry]], dict[str, float]]:
    """Best learning rate (highest mean final accuracy, no seed diverged) and its accuracy; with
    ``with_baseline`` also the homework's own rate (Problem 2(a)'s baseline lives in its sweep)."""
    def metric(entries: list[Entry]) -> dict[str, float]:
        by_lr = tables.over_seeds(tables.finals(entries), ["lr"])
        best = tables.best_row(by_lr)
        out = {f"p2.{part}.best_lr.{opt}": float(best["lr"]), f"p2.{part}.acc_at_best_lr.{opt}": float(best["mean"])}
        if with_baseline:
            base = by_lr.set_index("lr").loc[P2_BASELINE["lr"]]
            out.update({"p2.a.baseline.test_acc.mean": float(base["mean"]), "p2.a.baseline.test_acc.sd": float(base["sd"])})
        return out
    return metric


def _final(prefix: str, split: str = "test") -> Callable[[list[Entry]], dict[str, float]]:
    """Mean and sd over seeds of the final accuracy of one configuration (on the test set, or the
    validation split), and its size."""
    def metric(entries: list[Entry]) -> dict[str, float]:
        final = tables.finals(entries)
        return {f"{prefix}.{split}_acc.mean": float(final["acc"].mean()), f"{prefix}.{split}_acc.sd": float(final["acc"].std()),
                f"{prefix}.params": int(final["params"].iloc[0])}
    return metric


def _deep(part: str, activation: str) -> Callable[[list[Entry]], dict[str, float]]:
    """Gradient ratios (first and last epoch) and test accuracy of the deep net at the homework's rate."""
    def metric(entries: list[Entry]) -> dict[str, float]:

        mine = [e for e in entries if e["config"]["lr"] == P2_BASELINE["lr"]]
        ratios = np.array([e["result"]["grad_ratio"] for e in mine], dtype=float)
        accs = tables.finals(mine)["acc"].tolist()  # NaN for a diverged run (hw7.divergence)
        prefix = f"p3.{part}.{activation}"
        return {f"{prefix}.grad_ratio.epoch1": float(np.mean(ratios[:, 0])),
                f"{prefix}.grad_ratio.last": float(np.mean(ratios[:, -1])),
                f"{prefix}.test_acc.mean": float(np.mean(accs))}
    return metric



def _expanded(prefix: str) -> Callable[[list[Entry]], dict[str, float]]:
    """The expanded-data finals: test accuracy (mean, sd, params as in :func:`_final`) and the
    augmentation's strengths as numbers, one key per field (``{prefix}.augment.rotate`` etc.;
    0 = off), since the summary holds numbers only."""
    def metric(entries: list[Entry]) -> dict[str, float]:
        out = _final(prefix)(entries)
        augment = entries[0]["config"]["augment"]
        out.update({f"{prefix}.augment.{k}": float(v) for k, v in augment.items()})
        out[f"{prefix}.epochs"] = int(entries[0]["config"]["epochs"])  # the schedule may differ from the recipe's
        return out
    return metric


def _depth(entries: list[Entry]) -> dict[str, float]:
    """Problem 3(c)'s depth search: each budget's best depth (highest mean validation accuracy over
    seeds), that accuracy, and depth 1's."""
    from hw7.mnist.experiments import P3C_DEPTH_BUDGETS, P3C_DEPTHS, narrowing_sizes

    out: dict[str, float] = {}
    for budget in P3C_DEPTH_BUDGETS:
        mean = {d: float(np.mean([final_acc(e) for e in entries
                                  if e["config"]["sizes"] == narrowing_sizes(d, budget)])) for d in P3C_DEPTHS}
        best = max(mean, key=lambda d: mean[d])
        key = f"p3.c.depth.{budget // 1000}k"
        out.update({f"{key}.best_depth": best, f"{key}.best.val_acc.mean": mean[best],
                    f"{key}.depth1.val_acc.mean": mean[1]})
    return out



#: experiment name -> the function that turns its entries into headline numbers
METRICS: dict[str, Metric] = {
    "p2-a-sgd-lr": _lr_sweep("a", "sgd", with_baseline=True),
    "p2-b-adam-lr": _lr_sweep("b", "adam"),
    "p2-c-final": _final("p2.c.best"),
    "p3-a-sigmoid-deep": _deep("a", "sigmoid"),
    "p3-b-relu-deep": _deep("b", "relu"),
    "p3-c-final": _final("p3.c.best"),
    "p3-c-shallow-same-recipe": _final("p3.c.shallow_same_recipe"),
    "p3-c-shallow-same-recipe-val": _final("p3.c.shallow_same_recipe", "val"),
    "p2-c-expand-final": _expanded("p2.c.expanded"),
    "p3-c-expand-final": _expanded("p3.c.expanded"),
    "p3-c-depth": _depth,
    "p3-c-depth-final": _final("p3.c.depth_best"),
    "p2-c-record-final": _expanded("p2.c.record"),
    "p2-c-record-control": _final("p2.c.record_control"),
    "p3-c-record-final": _expanded("p3.c.record"),
    "p3-c-record-control": _final("p3.c.record_control"),
    "p3-c-record-first-final": _expanded("p3.c.record_first"),
    "p3-c-record-first-control": _final("p3.c.record_first_control"),
}

#: dotted-name prefix -> what the number means
DESCRIPTIONS: dict[str, str] = {
    "p2.a.baseline.test_acc": "P2(a): homework set-up, test accuracy after 30 epochs over 3 seeds",
    "p2.a.best_lr": "P2(a): SGD (Nesterov) learning rate with the best mean test accuracy",
    "p2.a.acc_at_best_lr": "P2(a): mean test accuracy at that rate",
    "p2.b.best_lr": "P2(b): Adam learning rate with the best mean test accuracy",
    "p2.b.acc_at_best_lr": "P2(b): mean test accuracy at that rate",
    "p2.c.best.test_acc": "P2(c): best one-hidden-layer net, test accuracy over 3 seeds",
    "p2.c.best.params": "P2(c): its number of parameters",
    "p3.a.sigmoid.grad_ratio": "P3(a): deep sigmoid net (8 x 30), gradient ratio at lr 1e-3, mean over seeds",
    "p3.a.sigmoid.test_acc": "P3(a): deep sigmoid net, test accuracy after 30 epochs at lr 1e-3",
    "p3.b.relu.grad_ratio": "P3(b): deep ReLU net (8 x 30), gradient ratio at lr 1e-3, mean over seeds",
    "p3.b.relu.test_acc": "P3(b): deep ReLU net, test accuracy after 30 epochs at lr 1e-3",
    "p3.c.best.test_acc": "P3(c): best deep dense net, test accuracy over 3 seeds",
    "p3.c.best.params": "P3(c): its number of parameters",
    "p2.c.expanded.test_acc": "P2(c), expanding the data: best one-hidden-layer net on distorted training images, test accuracy over 3 seeds",
    "p2.c.expanded.params": "P2(c), expanding the data: its number of parameters",
    "p2.c.expanded.epochs": "P2(c), expanding the data: its training epochs",
    "p2.c.expanded.augment": "P2(c), expanding the data: distortion strength (shift px, rotate/shear deg, scale fraction, elastic alpha/sigma px; 0 = off)",
    "p3.c.expanded.test_acc": "P3(c), expanding the data: best deep dense net on distorted training images, test accuracy over 3 seeds",
    "p3.c.expanded.params": "P3(c), expanding the data: its number of parameters",
    "p3.c.expanded.epochs": "P3(c), expanding the data: its training epochs",
    "p3.c.expanded.augment": "P3(c), expanding the data: distortion strength (shift px, rotate/shear deg, scale fraction, elastic alpha/sigma px; 0 = off)",
    "p3.c.shallow_same_recipe.test_acc": "P3(c): one hidden layer with the deep winner's recipe, test accuracy over 3 seeds",
    "p3.c.shallow_same_recipe.val_acc": "P3(c): the same, validation accuracy over 3 seeds",
    "p3.c.shallow_same_recipe.params": "P3(c): its number of parameters",
    "p3.c.depth_best": "P3(c), depth searched: the search's best net (budget and depth of P3C_DEPTH_CHOICE) on the test set, 3 seeds",
    "p3.c.depth": "P3(c), depth searched: best number of hidden layers at a parameter budget (100k or 400k) and validation accuracies over 3 seeds",
    "p2.c.record.test_acc": "P2(c), long run on distorted data (784-800-10, cosine schedule): test accuracy over 3 seeds (target 0.9930)",
    "p2.c.record.params": "P2(c), long run on distorted data: its number of parameters",
    "p2.c.record.epochs": "P2(c), long run on distorted data: its training epochs",
    "p2.c.record.augment": "P2(c), long run on distorted data: distortion strength (shift px, rotate/shear deg, scale fraction, elastic alpha/sigma px; 0 = off)",
    "p2.c.record_control": "P2(c), its control: the same net, schedule and epochs without distortions, test accuracy over 3 seeds",
    "p3.c.record.test_acc": "P3(c), long run on distorted data (deep winner, cosine schedule): test accuracy over 3 seeds (target 0.9950)",
    "p3.c.record.params": "P3(c), long run on distorted data: its number of parameters",
    "p3.c.record.epochs": "P3(c), long run on distorted data: its training epochs",
    "p3.c.record.augment": "P3(c), long run on distorted data: distortion strength (shift px, rotate/shear deg, scale fraction, elastic alpha/sigma px; 0 = off)",
    "p3.c.record_control": "P3(c), its control: the same net, schedule and epochs without distortions, test accuracy over 3 seeds",
    "p3.c.record_first.test_acc": "P3(c), the deep net's first long run (60 epochs, tested before the length was searched): test accuracy over 3 seeds",
    "p3.c.record_first.params": "P3(c), the first long run: its number of parameters",
    "p3.c.record_first.epochs": "P3(c), the first long run: its training epochs",
    "p3.c.record_first.augment": "P3(c), the first long run: distortion strength (shift px, rotate/shear deg, scale fraction, elastic alpha/sigma px; 0 = off)",
    "p3.c.record_first_control": "P3(c), the first long run's control: the same net, schedule and epochs without distortions, test accuracy over 3 seeds",
}
