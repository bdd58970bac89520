"""``cache/summary.json``: the headline numbers, flat and sorted, for instructors to diff.

Each experiment that has headline numbers contributes through one function below, which reads
only that experiment's cached entries. Non-finite values are written as ``null``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

from . import REPO_ROOT, appendix_summary, cache, registry
from .errors import CacheMissing

Entries = list[dict[str, Any]]


def _by(entries: Entries, field: str) -> dict[Any, dict[str, Any]]:
    return {e["config"][field]: e["result"] for e in entries}


def _p1_b(entries: Entries) -> dict[str, float]:
    return {f"p1.b.final_dist.{opt}": r["final_dist"] for opt, r in _by(entries, "optimizer").items()}


def _p1_c(entries: Entries) -> dict[str, float]:
    results = _by(entries, "optimizer")
    out = {f"p1.c.diverged_step.{opt}": r["diverged_step"] for opt, r in results.items()}
    out.update({f"p1.c.final_dist.{opt}": r["final_dist"] for opt, r in results.items()})
    return out


def _p1_d(entries: Entries) -> dict[str, float]:
    return {f"p1.d.final_dist.{e['config']['optimizer']}": e["result"]["final_dist"] for e in entries}


def _p1_sweep(entries: Entries) -> dict[str, float]:
    out: dict[str, float] = {}
    for opt, r in _by(entries, "optimizer").items():
        finite = [(d, lr) for d, lr in zip(r["final_dist"], r["lrs"]) if d is not None and math.isfinite(d)]
        best_dist, best_lr = min(finite)
        out[f"p1.sweep.best_lr.{opt}"] = best_lr
        out[f"p1.sweep.best_final_dist.{opt}"] = best_dist
        diverged = [lr for lr, s in zip(r["lrs"], r["diverged_step"]) if s >= 0]
        out[f"p1.sweep.smallest_diverging_lr.{opt}"] = min(diverged) if diverged else -1
    return out


def _lr_sweep(part: str, opt: str, *, with_baseline: bool = False) -> Callable[[Entries], dict[str, float]]:
    """Best learning rate (highest mean final accuracy, no seed diverged) and its accuracy; with
    ``with_baseline`` also the homework's own rate (Problem 2(a)'s baseline lives in its sweep)."""
    def metric(entries: Entries) -> dict[str, float]:
        from . import mnist_results as mr

        by_lr = mr.over_seeds(mr.finals(entries), ["lr"])
        best = mr.best_row(by_lr)
        out = {f"p2.{part}.best_lr.{opt}": float(best["lr"]), f"p2.{part}.acc_at_best_lr.{opt}": float(best["mean"])}
        if with_baseline:
            base = by_lr.set_index("lr").loc[registry.P2_BASELINE["lr"]]
            out.update({"p2.a.baseline.test_acc.mean": float(base["mean"]), "p2.a.baseline.test_acc.sd": float(base["sd"])})
        return out
    return metric


def _final(prefix: str) -> Callable[[Entries], dict[str, float]]:
    """Mean and sd over seeds of the final test accuracy of one chosen configuration, and its size."""
    def metric(entries: Entries) -> dict[str, float]:
        from . import mnist_results as mr

        final = mr.finals(entries)
        return {f"{prefix}.test_acc.mean": float(final["acc"].mean()), f"{prefix}.test_acc.sd": float(final["acc"].std()),
                f"{prefix}.params": int(final["params"].iloc[0])}
    return metric


def _deep(part: str, activation: str) -> Callable[[Entries], dict[str, float]]:
    """Gradient ratios (first and last epoch) and test accuracy of the deep net at the homework's rate."""
    def metric(entries: Entries) -> dict[str, float]:
        import numpy as np

        mine = [e for e in entries if e["config"]["lr"] == registry.P2_BASELINE["lr"]]
        ratios = np.array([e["result"]["grad_ratio"] for e in mine], dtype=float)
        accs = [e["result"]["eval_acc"][-1] for e in mine]
        prefix = f"p3.{part}.{activation}"
        return {f"{prefix}.grad_ratio.epoch1": float(np.mean(ratios[:, 0])),
                f"{prefix}.grad_ratio.last": float(np.mean(ratios[:, -1])),
                f"{prefix}.test_acc.mean": float(np.mean(accs))}
    return metric


def _p1_adam_variants(entries: Entries) -> dict[str, float]:
    """Each Adam variant's wander near the minimum (part b's rate: p1.b; part d's: p1.d)."""
    from .figures_p1 import adam_variant_name

    part = {registry.P1_ADAM_VARIANT_LRS[0]: "b", registry.P1_ADAM_VARIANT_LRS[1]: "d"}
    out: dict[str, float] = {}
    for e in entries:
        prefix = f"p1.{part[e['config']['lr']]}.adam_variant.{adam_variant_name(e['config'])}"
        r = e["result"]
        out.update({f"{prefix}.tail_dist_max": r["tail_dist_max"], f"{prefix}.final_dist": r["final_dist"],
                    f"{prefix}.tail_step_median": r["tail_step_median"]})
    return out


def _p1_limits(entries: Entries) -> dict[str, float]:
    """Step at which each run near a divergence limit diverged (-1: never), by optimizer and rate."""
    return {f"p1.limits.diverged_step.{e['config']['optimizer']}.lr{e['config']['lr']:.3g}": e["result"]["diverged_step"]
            for e in entries}


def _p3_shallow_same_recipe(split: str) -> Callable[[Entries], dict[str, float]]:
    """The controlled comparison of Problem 3(c): accuracy over seeds on the test set or validation split."""
    def metric(entries: Entries) -> dict[str, float]:
        from . import mnist_results as mr

        final = mr.finals(entries)
        prefix = f"p3.c.shallow_same_recipe.{split}_acc"
        out = {f"{prefix}.mean": float(final["acc"].mean()), f"{prefix}.sd": float(final["acc"].std())}
        if split == "test":
            out["p3.c.shallow_same_recipe.params"] = int(final["params"].iloc[0])
        return out
    return metric


#: experiment name -> the function that turns its entries into headline numbers
METRICS: dict[str, Callable[[Entries], dict[str, float]]] = {
    "p1-b": _p1_b,
    "p1-c": _p1_c,
    "p1-d": _p1_d,
    "p1-lr-sweep": _p1_sweep,
    "p2-a-sgd-lr": _lr_sweep("a", "sgd", with_baseline=True),
    "p2-b-adam-lr": _lr_sweep("b", "adam"),
    "p2-c-final": _final("p2.c.best"),
    "p3-a-sigmoid-deep": _deep("a", "sigmoid"),
    "p3-b-relu-deep": _deep("b", "relu"),
    "p3-c-final": _final("p3.c.best"),
}

METRICS.update(appendix_summary.METRICS)  # the appendices' headline numbers
METRICS.update({"p1-adam-variants": _p1_adam_variants, "p1-limits": _p1_limits})
METRICS.update({name: _p3_shallow_same_recipe(split)  # the halves registry.P3C_CONTROLLED_SPLITS registers
                for split, name in (("test", "p3-c-shallow-same-recipe"), ("val", "p3-c-shallow-same-recipe-val"))
                if split in registry.P3C_CONTROLLED_SPLITS})


#: written by benchmarks/bench_sweep.py (one measurement on one machine, not a cache entry)
BENCHMARK_FILE = REPO_ROOT / "benchmarks" / "results.json"


def _perf() -> dict[str, float]:
    if not BENCHMARK_FILE.is_file():
        return {}
    bench = json.loads(BENCHMARK_FILE.read_text())
    out = {"perf.sweep_speedup_vs_homework_loop": bench["ratio"],
           "perf.baseline_run_seconds": bench["baseline_run_seconds"]}
    for row in bench["engine"]:
        out[f"perf.engine_speedup.k{row['K']}"] = row["ratio_vs_homework"]
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def compute(root: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """All headline numbers that the cache can give, and the experiments still missing."""
    values: dict[str, Any] = {}
    missing: list[str] = []
    for name, metric in METRICS.items():
        if name not in registry.experiments():
            missing.append(name)
            continue
        try:
            entries = [cache.read_entry(run, root) for run in registry.get(name).runs]
        except CacheMissing:
            missing.append(name)
            continue
        values.update(metric(entries))
    values.update(_perf())
    return {k: _clean(values[k]) for k in sorted(values)}, missing


def summary_path(root: Path | None = None) -> Path:
    return (root or cache.cache_root()) / "summary.json"


def write(root: Path | None = None) -> tuple[Path, list[str]]:
    values, missing = compute(root)
    path = summary_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2, sort_keys=True, allow_nan=False) + "\n")
    return path, missing


def read(root: Path | None = None) -> dict[str, Any]:
    """The committed summary, as the report's index shows it."""
    path = summary_path(root)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise CacheMissing(f"{path} does not exist; build it with `python -m hw7 summary`") from None


#: dotted-name prefix -> what the number means (the index's table)
DESCRIPTIONS: dict[str, str] = {
    "p1.b.final_dist": "P1(b): distance to (1, 1) after 1e5 steps at lr 1e-4",
    "p1.c.diverged_step": "P1(c): first step with a non-finite or >1e6 iterate at lr 1e-3 (-1: never)",
    "p1.c.final_dist": "P1(c): distance to (1, 1) after 1e5 steps at lr 1e-3 (null: diverged)",
    "p1.d.final_dist": "P1(d): distance to (1, 1) after 1e5 steps (Adam lr 1e-2, momentum lr 1e-4)",
    "p1.sweep.best_lr": "P1 sweep: learning rate with the smallest final distance",
    "p1.sweep.best_final_dist": "P1 sweep: the smallest final distance over 41 learning rates",
    "p1.sweep.smallest_diverging_lr": "P1 sweep: smallest learning rate that diverges (-1: none)",
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
    "perf.sweep_speedup_vs_homework_loop": "Engine throughput / homework-style DataLoader loop (same machine)",
    "perf.baseline_run_seconds": "Homework-style loop: seconds for the baseline run (30 epochs, batch 10)",
    "perf.engine_speedup": "Engine throughput with K runs batched / homework-style loop",
}


DESCRIPTIONS.update(appendix_summary.DESCRIPTIONS)
DESCRIPTIONS.update({
    "p1.b.adam_variant": "P1(b): Adam variant at lr 1e-4 (eps placement, eps = 0, beta2 0.999): wander near the minimum",
    "p1.d.adam_variant": "P1(d): Adam variant at lr 1e-2: wander near the minimum",
    "p1.limits.diverged_step": "P1: step at which GD / momentum diverge just above their limit (-1: never)",
    "p3.c.shallow_same_recipe.test_acc": "P3(c): one hidden layer with the deep winner's recipe, test accuracy over 3 seeds",
    "p3.c.shallow_same_recipe.val_acc": "P3(c): the same, validation accuracy over 3 seeds",
    "p3.c.shallow_same_recipe.params": "P3(c): its number of parameters",
})



def describe(name: str) -> str:
    prefix = max((p for p in DESCRIPTIONS if name.startswith(p)), key=len, default=None)
    return DESCRIPTIONS[prefix] if prefix else ""


def describe_value(name: str, value: Any) -> str:
    """Numbers as a reader wants them: 4 significant digits, null shown as 'n/a'."""
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"
