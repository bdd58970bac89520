"""What the stored predictions, class counts and input norms of MNIST runs show, observed rather than inferred.

Runs trained before these fields were stored lack them: each reader then returns None, and the chapter's
sentence that needs it is pinned by a claim test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hw7.findings.common import Entry
from hw7.mnist import predictions as pr
from hw7.mnist.data import MnistDataError


def single_class_epochs(entries: list[Entry]) -> dict[int, dict[int, int]] | None:
    """Per run, the epochs whose stored class counts show one digit only; None if a run lacks counts."""
    if not entries or any("pred_counts" not in e["result"] for e in entries):
        return None
    return {i: pr.single_class_epochs(e["result"]["pred_counts"]) for i, e in enumerate(entries)}


def input_factor(entries: Sequence[Entry]) -> float | None:
    """‖x‖ / ‖σ(W₁x)‖ in epoch 1, mean over runs: the image's length over the first hidden layer's output."""
    if not entries or any("input_norms" not in e["result"] for e in entries):
        return None
    return float(np.mean([e["result"]["input_norms"][0][0] / e["result"]["input_norms"][0][1] for e in entries]))


def mcnemar(a: Sequence[Entry], b: Sequence[Entry]) -> dict[int, pr.McNemar] | None:
    """McNemar's test for each seed both settings ran with stored predictions; None when there is no such seed
    or the MNIST test labels are not on this machine (runs trained before predictions were stored have none)."""
    a, b = ([e for e in runs if e["result"].get("predictions")] for runs in (a, b))
    if not {e["config"]["seed"] for e in a} & {e["config"]["seed"] for e in b}:
        return None
    try:
        labels = pr.test_labels()
    except MnistDataError:
        return None
    return pr.mcnemar_by_seed(a, b, labels)
