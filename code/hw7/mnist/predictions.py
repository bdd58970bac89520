"""What a test run's stored predictions say: which digits it gets wrong, and whether two nets differ.

Why a module of its own: since issue 26 every test-split MNIST run stores its final epoch's predicted
digits (``result["predictions"]``, one character per test image) and every run its per-epoch class
counts (``result["pred_counts"]``). From those the chapters show observed facts instead of inferences
from accuracies: a confusion matrix, the misclassified digits, McNemar's exact test on two nets' paired
predictions, and the epochs in which a saturated net answered one digit for every image.

Labels are an argument everywhere, so the tests need no MNIST files; :func:`test_labels` reads the
real ones (raising :class:`~hw7.mnist.data.MnistDataError`, one line, where the files are missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hw7.entry import Entry
from hw7.errors import Hw7Error
from hw7.present import stats

#: Images in the MNIST test set: a stored predictions string has one digit for each.
N_TEST = 10_000
CLASSES = 10


class PredictionsMissing(Hw7Error):
    """A run has no stored predictions (a validation run, a diverged run, or one cached before issue 26)."""


def decode(text: str, n: int | None = N_TEST) -> np.ndarray:
    """The predicted digits of a stored ``predictions`` string as an int64 array; checks that it holds
    exactly ``n`` characters (``None``: any length), each a digit 0-9."""
    if not isinstance(text, str):
        raise PredictionsMissing(f"predictions must be a string of digits, got {type(text).__name__}")
    if n is not None and len(text) != n:
        raise ValueError(f"predictions must hold {n} digits, got {len(text)}")
    raw = np.frombuffer(text.encode("ascii", errors="replace"), dtype=np.uint8)
    if raw.size and (raw.min() < ord("0") or raw.max() > ord("9")):
        raise ValueError("predictions must hold only the digits 0-9")
    return raw.astype(np.int64) - ord("0")


def of_entry(entry: Entry, n: int | None = N_TEST) -> np.ndarray:
    """A run's stored predictions, decoded; :class:`PredictionsMissing` (one line) where it has none."""
    text = entry["result"].get("predictions")
    if text is None:
        cfg = entry["config"]
        raise PredictionsMissing(f"the run (seed {cfg.get('seed')}, eval {cfg.get('eval')!r}) stores no "
                                 "predictions: only test-split runs trained since issue 26 do")
    return decode(text, n)


def test_labels() -> np.ndarray:
    """The MNIST test labels (int64); raises :class:`~hw7.mnist.data.MnistDataError` where the files are missing."""
    from hw7.mnist.data import load_mnist

    return load_mnist().test_y.cpu().numpy().astype(np.int64)


def _check_pair(pred: np.ndarray, labels: np.ndarray) -> None:
    if pred.shape != labels.shape or pred.ndim != 1:
        raise ValueError(f"predictions {pred.shape} and labels {labels.shape} must be 1-D and of equal length")


def confusion(pred: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``(10, 10)`` counts: row = true digit, column = predicted digit (the diagonal is the correct answers)."""
    _check_pair(pred, labels)
    return np.bincount(labels * CLASSES + pred, minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)


def confusion_sum(entries: Sequence[Entry], labels: np.ndarray) -> np.ndarray:
    """The confusion matrices of several runs (seeds), summed: each image counts once per run."""
    if not entries:
        raise ValueError("confusion_sum needs at least one run")
    return sum((confusion(of_entry(e, len(labels)), labels) for e in entries), np.zeros((CLASSES, CLASSES), np.int64))


def misclassified(pred: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Indices (ascending) of the test images a run got wrong."""
    _check_pair(pred, labels)
    return np.flatnonzero(pred != labels)


@dataclass(frozen=True)
class McNemar:
    """McNemar's exact test of two nets on the same images: only the discordant images count.

    ``b``: images only net A got right; ``c``: only net B got right; ``p``: the exact two-sided binomial
    (sign test) of ``b`` in ``b + c`` with chance 1/2, 1.0 when no image is discordant."""

    b: int
    c: int
    both_right: int
    both_wrong: int
    p: float

    @property
    def discordant(self) -> int:
        return self.b + self.c


def mcnemar(pred_a: np.ndarray, pred_b: np.ndarray, labels: np.ndarray) -> McNemar:
    """McNemar's exact test for nets A and B's predictions of the same ``labels``."""
    _check_pair(pred_a, labels)
    _check_pair(pred_b, labels)
    right_a, right_b = pred_a == labels, pred_b == labels
    b, c = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    p = stats.sign_test(b, b + c) if b + c else 1.0
    return McNemar(b=b, c=c, both_right=int((right_a & right_b).sum()), both_wrong=int((~right_a & ~right_b).sum()),
                   p=p)


def mcnemar_by_seed(runs_a: Sequence[Entry], runs_b: Sequence[Entry], labels: np.ndarray) -> dict[int, McNemar]:
    """McNemar's test per seed the two settings share (seed s of A against seed s of B), by seed."""
    a = {int(e["config"]["seed"]): e for e in runs_a}
    b = {int(e["config"]["seed"]): e for e in runs_b}
    shared = sorted(a.keys() & b.keys())
    if not shared:
        raise ValueError("the two settings share no seed")
    n = len(labels)
    return {s: mcnemar(of_entry(a[s], n), of_entry(b[s], n), labels) for s in shared}


def single_class(counts: Sequence[int] | None) -> int | None:
    """The digit a net answered for every image in one epoch, or None (answers spread, or no record)."""
    if counts is None:
        return None
    nonzero = [d for d, k in enumerate(counts) if k]
    return nonzero[0] if len(nonzero) == 1 else None


def single_class_epochs(pred_counts: Sequence[Sequence[int] | None]) -> dict[int, int]:
    """Epoch (1-based) -> digit, for every epoch in which the net assigned all images to that one digit.

    Epochs without a record (``None``: after a divergence) are never single-class; count them with
    :func:`recorded_epochs`."""
    return {i + 1: d for i, counts in enumerate(pred_counts) if (d := single_class(counts)) is not None}


def recorded_epochs(pred_counts: Sequence[Sequence[int] | None]) -> int:
    """How many epochs have class counts (the rest followed a divergence)."""
    return sum(c is not None for c in pred_counts)


def wrong_by_image(entries: Sequence[Entry], labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Over several runs: how many runs got each image wrong, and each image's most frequent wrong answer
    (-1 where no run got it wrong; ties go to the smaller digit)."""
    preds = np.stack([of_entry(e, len(labels)) for e in entries])
    wrong = preds != labels
    votes = np.zeros((len(labels), CLASSES), np.int64)
    for p, w in zip(preds, wrong):
        np.add.at(votes, (np.flatnonzero(w), p[w]), 1)
    top = np.where(wrong.any(axis=0), votes.argmax(axis=1), -1)
    return wrong.sum(axis=0), top
