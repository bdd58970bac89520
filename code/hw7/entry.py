"""One cached run as the chapters, figures and summaries read it: :class:`Entry`, and how to read it.

Why a ``TypedDict`` and not a dataclass: an entry is the JSON object the store writes
(``cache/<kind>/<key>.json``, see DESIGN.md) and its checksum is taken of that very object, so
reading one must be ``json.load`` and nothing else. A ``TypedDict`` names the fields for the type
checker while every entry stays the plain dict it always was (tests and chapters may build one
from ``{"config": ..., "result": ...}``).

Why here, below the families: the families (Problem 1, MNIST, the readings) read entries but
never import the store (``tests/test_layout.py``), so the shape lives in the floor they share.
A result's fields differ by kind (a trajectory, a training history, ...); the accessors below
name the few that several modules read, so ``entry["result"]["eval_acc"][-1]`` is spelled once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypedDict


class _Required(TypedDict):
    config: dict[str, Any]
    result: dict[str, Any]


class Entry(_Required, total=False):
    """One run's cache entry. ``config`` and ``result`` are always there; the store adds the rest
    (``meta``: seconds, device, versions, machine, created; ``checksum`` of everything else)."""

    schema: int
    key: str
    kind: str
    code_version: int
    experiment: str
    meta: dict[str, Any]
    checksum: str


#: What a family's ``metrics.METRICS`` maps an experiment to: its entries -> named headline numbers.
Metric = Callable[[list[Entry]], dict[str, Any]]


def history(entry: Entry, key: str) -> list[Any]:
    """One per-epoch (or per-step) list of the result, e.g. ``history(e, "eval_acc")``."""
    return entry["result"][key]


def final_acc(entry: Entry) -> float:
    """Accuracy after the last epoch on the run's evaluation split (NaN once a run diverged)."""
    return float(entry["result"]["eval_acc"][-1])


def acc_at(entry: Entry, epoch: int) -> float:
    """Accuracy after ``epoch`` (1-based) epochs, e.g. to compare a longer run at a shorter one's end."""
    return float(entry["result"]["eval_acc"][epoch - 1])


def final_accs(entries: Sequence[Entry]) -> tuple[float, ...]:
    """:func:`final_acc` of each entry, in order (one per seed, typically)."""
    return tuple(final_acc(e) for e in entries)
