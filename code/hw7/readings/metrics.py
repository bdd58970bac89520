"""The appendices' headline numbers for ``cache/summary.json`` (merged in by :mod:`hw7.store.summary`)."""

from __future__ import annotations

import statistics
from typing import Any

from hw7.entry import Entry, Metric, final_acc


def _zoo(entries: list[Entry]) -> dict[str, float]:
    by_opt: dict[str, list[float]] = {}
    for e in entries:
        by_opt.setdefault(e["config"]["optimizer"], []).append(float(e["result"]["final_test_acc"]))
    out: dict[str, float] = {}
    for opt, accs in by_opt.items():
        out[f"app.zoo.{opt}.test_acc.mean"] = statistics.fmean(accs)
        out[f"app.zoo.{opt}.test_acc.sd"] = statistics.stdev(accs) if len(accs) > 1 else 0.0
    return out


def _lnn_lr(entries: list[Entry]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for e in entries:
        init_index = e["config"]["inits"].index(0.9) if 0.9 in e["config"]["inits"] else 0
        for depth, row in zip(e["config"]["depths"], e["result"]["best_lr"]):
            out[f"app.lnn.best_lr.depth{depth}"] = row[init_index]
    return out


def _gradcheck(entries: list[Entry]) -> dict[str, float]:
    return {"app.numpy.max_grad_rel_error": max(max(e["result"]["max_rel_error"].values()) for e in entries)}


def _numpy_mnist(entries: list[Entry]) -> dict[str, float]:
    return {"app.numpy.final_test_acc": statistics.fmean(final_acc(e) for e in entries)}


#: experiment name -> the function that turns its entries into headline numbers
METRICS: dict[str, Metric] = {
    "app-zoo": _zoo,
    "app-lnn-lr": _lnn_lr,
    "app-numpy-gradcheck": _gradcheck,
    "app-numpy-mnist": _numpy_mnist,
}

#: dotted-name prefix -> what the number means
DESCRIPTIONS: dict[str, str] = {
    "app.zoo": "Appendix A: optimizer zoo (784-100-10 ReLU, 3000 iterations), final test accuracy over seeds",
    "app.lnn.best_lr": "Appendix B: fastest-converging learning rate of a deep narrow linear net (w0 = 0.9) by depth",
    "app.numpy.max_grad_rel_error": "Appendix C: largest relative error of any NumPy backward pass vs centred differences",
    "app.numpy.final_test_acc": "Appendix C: NumPy net, homework 2(a) set-up, final test accuracy (mean over seeds)",
}
