"""What counts as *diverged*: one rule for every trained network the report counts or summarises.

A training run has **diverged** from the first epoch (or evaluation) whose loss is non-finite or at
least :data:`LOSS_LIMIT` (10¹²); that point and everything after it are not results. Why a limit and
not only "non-finite": a probe of SGD at lr 10⁴ reached a finite training loss of 5·10²⁵ at chance
accuracy, which is blown up, not merely bad. Why 10¹²: an untrained 10-class network's cross-entropy
is ln 10 ≈ 2.3 and the cached runs' finite losses stay below 10², also at chance (Adam at lr 3), so
the limit sits ten orders of magnitude above anything that still trains; it is also the limit the
deep-linear appendix has always stopped its runs at.

The rule is applied by *derived* code (tables, counts, figures) to the loss history a runner stored,
so cached results and their keys stay as they are. Runners record the narrower rule they were
written with: the MNIST loops set ``diverged_epoch`` only on a non-finite loss (no committed run has
a finite loss above the limit, so derived numbers are unchanged); :func:`diverged_epoch` reconciles
the two. Problem 1 is not a training loss: a Rosenbrock run diverges when its *iterate* leaves
[-10⁶, 10⁶]² (:data:`hw7.problem1.descent.DIVERGENCE_LIMIT`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: a loss at or above this (or a non-finite one) means the run has diverged
LOSS_LIMIT: float = 1e12


def loss_diverged(loss: float | None) -> bool:
    """Whether one loss value marks divergence (``None`` — no number at all — counts too)."""
    return loss is None or not math.isfinite(loss) or loss >= LOSS_LIMIT


def diverged_mask(losses: np.ndarray) -> np.ndarray:
    """Elementwise :func:`loss_diverged` for arrays (NaN and ±inf included)."""
    losses = np.asarray(losses, dtype=float)
    with np.errstate(invalid="ignore"):
        return ~(np.isfinite(losses) & (losses < LOSS_LIMIT))


def diverged_epoch(losses: Sequence[float | None], recorded: int | None = None) -> int | None:
    """1-based epoch from which a run counts as diverged, or ``None``: the earlier of the first loss
    that :func:`loss_diverged` flags and the epoch the runner ``recorded`` (its own, narrower rule)."""
    first = next((i + 1 for i, loss in enumerate(losses) if loss_diverged(loss)), None)
    found = [e for e in (first, recorded) if e is not None]
    return min(found) if found else None
