"""Building blocks shared by the MNIST findings: a setting's seeds, search steps, tables as Markdown."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from hw7.entry import Entry, final_accs, history  # Entry is re-exported for the findings modules
from hw7.mnist import tables

Steps = Sequence[tuple[str, str, dict[str, Any]]]


@dataclass(frozen=True)
class Band:
    """One setting's final accuracies over its seeds: what every 'mean ± sd' and every test reads."""

    values: tuple[float, ...]
    #: the seed of each value, in the same order (empty where the values are not one per seed)
    seeds: tuple[int, ...] = ()

    @classmethod
    def of(cls, values: Iterable[float], seeds: Iterable[int] = ()) -> "Band":
        return cls(tuple(float(v) for v in values), tuple(int(s) for s in seeds))

    @property
    def by_seed(self) -> dict[int, float]:
        """``{seed: value}``: what a paired comparison reads (settings that share seeds are paired by seed)."""
        if len(self.seeds) != len(self.values) or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"a paired comparison needs one value per seed, got seeds {self.seeds}")
        return dict(zip(self.seeds, self.values))

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        return float(np.std(self.values, ddof=1)) if self.n > 1 else math.nan

    @property
    def lo(self) -> float:
        return min(self.values)

    @property
    def hi(self) -> float:
        return max(self.values)


def last_acc(entries: Sequence[Entry]) -> Band:
    """The last-epoch accuracy of each run, with its seed."""
    return Band.of(final_accs(entries), (e["config"]["seed"] for e in entries))


def last_of(entries: Sequence[Entry], key: str) -> Band:
    """The last epoch's value of a per-epoch result (``train_loss``, ``eval_loss``) of each run."""
    return Band.of((e["result"][key][-1] for e in entries), (e["config"]["seed"] for e in entries))


def step_runs(entries: Sequence[Entry], steps: Steps) -> dict[str, list[Entry]]:
    """A search's runs grouped by step id, in the search's order."""
    ids = tables.step_ids(entries, steps)
    return {sid: [e for e, i in zip(entries, ids) if i == sid] for sid, _, _ in steps}


def late_slope(entries: Sequence[Entry], window: int = 5) -> float:
    """Mean accuracy of the last ``window`` epochs minus that of the ``window`` before (a fraction,
    mean over runs): is a curve still rising when training stops?"""
    accs = np.array([history(e, "eval_acc") for e in entries], dtype=float)
    return float(accs[:, -window:].mean() - accs[:, -2 * window:-window].mean())


def pm(band: Band, digits: int = 2) -> str:
    """``96.79 ± 0.18`` (percent, no unit): a table cell; one run prints its value alone."""
    text = f"{100 * band.mean:.{digits}f}"
    return text if band.n == 1 else f"{text} ± {100 * band.sd:.{digits}f}"


def show(table: pd.DataFrame) -> Any:
    """A table as Markdown (renders in both the HTML and the PDF)."""
    from IPython.display import Markdown

    return Markdown(table.to_markdown(index=False, disable_numparse=True))
