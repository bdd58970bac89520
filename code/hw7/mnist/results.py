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
from hw7.sense import fields, hex_digest, integer, integers, need, optional, real, real_grid, reals, series, text

HISTORIES = ("eval_acc", "eval_loss", "train_loss", "grad_ratio", "grad_norms")
REQUIRED = ("eval_set", "epochs", *HISTORIES, "diverged_epoch", "params", "seconds", "device")
#: fields added over time (entries written before them lack them)
OPTIONAL = ("runs_in_batch", "cpu_seconds", "data_fingerprint", "pred_counts", "predictions", "input_norms")


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
    for row in _rows(r, "input_norms", where, rows, diverged):
        reals(row, f"{where}.input_norms[…]", n_weights, 0.0, nan=True, inf=True)
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
    real_grid(r["grad_norms"], f"{where}.grad_norms", (rows, n_weights), 0.0, nan=True, inf=True)


def _rows(r: Mapping[str, Any], name: str, where: str, rows: int, diverged: int | None) -> list[Any]:
    """The recorded rows of a per-epoch field added later (``pred_counts``, ``input_norms``): one row per epoch,
    null before a resume from a checkpoint older than the field and from the diverged epoch on, nowhere else."""
    if name not in r:
        return []
    values = series(r[name], f"{where}.{name}", rows)
    first = next((i for i, row in enumerate(values) if row is not None), len(values))
    for i, row in enumerate(values):
        after = diverged is not None and i >= diverged - 1
        need(row is None or not after, f"{where}.{name}[{i}] must be null: the run diverged at epoch {diverged}")
        need(row is not None or i < first or after,
             f"{where}.{name}[{i}] is null between recorded epochs of a run that had not diverged")
    return [row for row in values if row is not None]


def _predictions(r: Mapping[str, Any], where: str, rows: int, diverged: int | None) -> None:
    """``pred_counts``: per epoch, the evaluation images assigned to each digit, every row summing to the
    evaluation set's size; ``predictions``: the last epoch's digits of a test-split run that finished (else null)."""
    known = r.get("data_fingerprint") in KNOWN
    counts = _rows(r, "pred_counts", where, rows, diverged)
    totals = {sum(integers(row, f"{where}.pred_counts[…]", 10, 0)) for row in counts}
    size = EVAL_SIZE if known else (min(totals) if totals else None)
    need(not totals or totals == {size} and (size or 0) > 0,
         f"{where}.pred_counts rows must each sum to the evaluation set's size ({size}), got {sorted(totals)}")
    if not optional(r, "predictions"):
        return
    predictions = text(r["predictions"], f"{where}.predictions", 100_000)
    need(predictions.isascii() and predictions.isdigit(), f"{where}.predictions must be a string of digits")
    need(r["eval_set"] == "test" and diverged is None, f"{where}.predictions belong to test-split runs that finished")
    need(size is None or len(predictions) == size,
         f"{where}.predictions must hold one digit per evaluation image ({size}), got {len(predictions)}")
    last = r["pred_counts"][-1] if r.get("pred_counts") else None
    need(last is None or [predictions.count(str(d)) for d in range(10)] == last,
         f"{where}.predictions disagree with the last epoch's pred_counts")
