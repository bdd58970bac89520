"""What an MNIST result can hold (kind ``mnist``): checked on every read of an entry, and on a restored checkpoint.

The training loops write one row per epoch into each history (``eval_acc``, ``eval_loss``,
``train_loss``, ``grad_ratio``, ``grad_norms``, and ``pred_counts`` where recorded); a run that
diverges at epoch d reads NaN from there on (:func:`hw7.mnist.common.mark_diverged`). Anything else —
an accuracy above 1, a history shorter than the epochs run, a NaN before divergence, a negative loss —
no run can produce, whatever its checksum says. No torch here: listing the cache checks entries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hw7.mnist.known_data import EVAL_SIZE, KNOWN
from hw7.sense import fields, hex_digest, integer, integers, need, optional, real, reals, series, text

HISTORIES = ("eval_acc", "eval_loss", "train_loss", "grad_ratio", "grad_norms")
REQUIRED = ("eval_set", "epochs", *HISTORIES, "diverged_epoch", "params", "seconds", "device")
#: fields added over time (entries written before them lack them)
OPTIONAL = ("runs_in_batch", "cpu_seconds", "data_fingerprint", "pred_counts", "predictions")


def check(config: Mapping[str, Any], result: Any, *, epochs_run: int | None = None, where: str = "result") -> None:
    """Raise :class:`~hw7.sense.Nonsense` unless ``result`` is what a run of ``config`` can give.

    ``epochs_run``: a checkpoint's finished epochs (its histories hold exactly that many rows and it has
    not diverged); by default the finished run (histories as long as ``config["epochs"]``)."""
    epochs = integer(config.get("epochs"), "config.epochs", 1)
    n_weights = len(series(config.get("sizes"), "config.sizes")) - 1
    need(n_weights >= 1, "config.sizes must name at least two layers")
    r = fields(result, where, REQUIRED, OPTIONAL)
    need(r["eval_set"] == config.get("eval", "test"), f"{where}.eval_set must be the config's eval split")
    need(r["epochs"] == list(range(1, epochs + 1)), f"{where}.epochs must be 1..{epochs}")
    diverged = None if r["diverged_epoch"] is None else integer(r["diverged_epoch"], f"{where}.diverged_epoch", 1, epochs)
    rows = epochs if epochs_run is None else integer(epochs_run, "the checkpoint's epoch", 1, epochs - 1)
    need(epochs_run is None or diverged is None, f"{where}: a checkpoint is never written after a diverged epoch")
    _histories(r, where, rows, n_weights, diverged)
    integer(r["params"], f"{where}.params", 1)
    real(r["seconds"], f"{where}.seconds", 0.0)
    text(r["device"], f"{where}.device", 40)
    if optional(r, "runs_in_batch"):
        integer(r["runs_in_batch"], f"{where}.runs_in_batch", 1)
    if optional(r, "cpu_seconds"):
        real(r["cpu_seconds"], f"{where}.cpu_seconds", 0.0)
    if "data_fingerprint" in r:
        hex_digest(r["data_fingerprint"], f"{where}.data_fingerprint", (16, 64))
    _predictions(r, where, rows, diverged)


def _histories(r: Mapping[str, Any], where: str, rows: int, n_weights: int, diverged: int | None) -> None:
    """Every history has one row per epoch; finite before the diverged epoch, NaN accuracy from it on."""
    for name in HISTORIES:
        series(r[name], f"{where}.{name}", rows)
    for i, acc in enumerate(r["eval_acc"]):
        after = diverged is not None and i >= diverged - 1
        value = real(acc, f"{where}.eval_acc[{i}]", 0.0, 1.0, nan=after)
        need(not after or math.isnan(value), f"{where}.eval_acc[{i}] must be NaN: the run diverged at epoch {diverged}")
    for name in ("eval_loss", "train_loss", "grad_ratio"):
        reals(r[name], f"{where}.{name}", rows, 0.0, nan=True, inf=True)
    for i, norms in enumerate(r["grad_norms"]):
        reals(norms, f"{where}.grad_norms[{i}]", n_weights, 0.0, nan=True, inf=True)


def _predictions(r: Mapping[str, Any], where: str, rows: int, diverged: int | None) -> None:
    """``pred_counts``: per epoch run, images assigned to each digit; ``predictions``: the test split's digits."""
    total, known = None, r.get("data_fingerprint") in KNOWN
    if "pred_counts" in r:
        counts = series(r["pred_counts"], f"{where}.pred_counts")
        need(len(counts) == rows or diverged is not None and diverged - 1 <= len(counts) <= rows,
             f"{where}.pred_counts must hold one row per epoch run ({rows}), got {len(counts)}")
        sums = {sum(integers(row, f"{where}.pred_counts[{i}]", 10, 0)) for i, row in enumerate(counts)}
        need(len(sums) <= 1, f"{where}.pred_counts rows must all sum to the evaluation set's size")
        total = sums.pop() if sums else None
        need(total is None or total > 0 and (not known or total == EVAL_SIZE),
             f"{where}.pred_counts rows must sum to the evaluation set's size ({EVAL_SIZE} on MNIST), got {total}")
    if optional(r, "predictions"):
        predictions = text(r["predictions"], f"{where}.predictions", 100_000)
        need(predictions.isascii() and predictions.isdigit(), f"{where}.predictions must be a string of digits")
        need(r["eval_set"] == "test", f"{where}.predictions are recorded for test-split runs only")
        size = EVAL_SIZE if known else total
        need(size is None or len(predictions) == size,
             f"{where}.predictions must hold one digit per evaluation image ({size}), got {len(predictions)}")
