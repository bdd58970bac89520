"""Problems 2(c) and 3(c), the long runs on distorted data, as typed findings.

For each net (one hidden layer, deep dense): the validation probes that chose its distortion, the
chosen run on the test set (3 seeds), its control (the same net, schedule and epochs without
distortions, 3 seeds), the earlier shorter expanded run, the literature's result it is measured
against and the CPU time it cost. "Expanding the data adds X" is ``final - control``: the two differ
in the distortions alone. Seeds against seeds: Welch's two-sided test at 5 %.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable, Sequence

from hw7.entry import Entry, final_acc, final_accs, history
from hw7.mnist import experiments as mx
from hw7.report import claims

ALPHA = 0.05


@dataclass(frozen=True)
class Literature:
    """A published result for the same kind of net on distorted MNIST (facts cited by the issue tracker)."""

    accuracy: float
    source: str
    net: str


#: What each record aims at: test accuracy, mean over 3 seeds (issue 18's targets).
TARGETS: dict[str, float] = {"p2": 0.9930, "p3": 0.9950}
LITERATURE: dict[str, tuple[Literature, ...]] = {
    "p2": (Literature(0.993, "Simard, Steinkraus and Platt (2003)", "784-800-10, elastic distortions"),),
    "p3": (Literature(0.9951, "Cireşan et al. (2010)", "784-1000-500-10, affine and elastic distortions"),
           Literature(0.9965, "Cireşan et al. (2010)", "784-2500-2000-1500-1000-500-10, affine and elastic")),
}


@dataclass(frozen=True)
class Group:
    """One config trained over seeds: final accuracies, curves and cost."""

    sizes: tuple[int, ...]
    params: int
    epochs: int
    augment: dict[str, float] | None
    eval_set: str
    accs: tuple[float, ...]
    curves: tuple[tuple[float, ...], ...]
    train_loss: tuple[tuple[float, ...], ...]
    cpu_seconds: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.accs)

    @property
    def sd(self) -> float:
        return statistics.stdev(self.accs) if len(self.accs) > 1 else 0.0

    @property
    def cpu_hours(self) -> float:
        """Mean CPU time of one run, in hours."""
        return statistics.fmean(self.cpu_seconds) / 3600

    @property
    def cpu_seconds_per_epoch(self) -> float:
        return statistics.fmean(self.cpu_seconds) / self.epochs

    @property
    def best_epoch_mean(self) -> float:
        """The highest mean-over-seeds accuracy of any epoch (how far the last epoch is from the curve's top)."""
        return max(statistics.fmean(col) for col in zip(*self.curves))


def group(entries: Sequence[Entry]) -> Group:
    c0, r0 = entries[0]["config"], entries[0]["result"]
    return Group(tuple(c0["sizes"]), int(r0["params"]), int(c0["epochs"]), c0.get("augment"), c0["eval"],
                 final_accs(entries),
                 tuple(tuple(map(float, history(e, "eval_acc"))) for e in entries),
                 tuple(tuple(map(float, history(e, "train_loss"))) for e in entries),
                 tuple(float(e["result"].get("cpu_seconds") or e["result"]["seconds"]) for e in entries))


@dataclass(frozen=True)
class Probe:
    """One validation run of the search that chose the distortion."""

    id: str
    what: str
    augment: dict[str, float]
    val_acc: float


@dataclass(frozen=True)
class Record:
    problem: str                      # "p2" or "p3"
    probes: tuple[Probe, ...]
    choice: str
    final: Group
    control: Group
    earlier: Group                    # the earlier, shorter expanded run (test, 3 seeds)
    target: float
    literature: tuple[Literature, ...]

    @property
    def chosen_probe(self) -> Probe:
        return next(p for p in self.probes if p.id == self.choice)

    @property
    def choice_is_best_probe(self) -> bool:
        return self.chosen_probe.val_acc == max(p.val_acc for p in self.probes)

    @property
    def reached(self) -> bool:
        return self.final.mean >= self.target

    @property
    def shortfall(self) -> float:
        return self.target - self.final.mean

    @property
    def distortion_gain(self) -> float:
        """Test accuracy the distortions add: the chosen run minus its no-distortion control."""
        return self.final.mean - self.control.mean

    @property
    def distortion_p(self) -> float:
        return claims.welch(self.final.accs, self.control.accs).p

    @property
    def gain_over_earlier(self) -> float:
        return self.final.mean - self.earlier.mean

    @property
    def earlier_p(self) -> float:
        return claims.welch(self.final.accs, self.earlier.accs).p

    @property
    def cpu_cost_ratio(self) -> float:
        """CPU time of a distorted run over its control's (same net, epochs and schedule)."""
        return self.final.cpu_hours / self.control.cpu_hours


Load = Callable[[str], Sequence[Entry]]


def _record(problem: str, load: Load) -> Record:
    search = mx.P2C_RECORD if problem == "p2" else mx.P3C_RECORD
    choice = mx.P2C_RECORD_CHOICE if problem == "p2" else mx.P3C_RECORD_CHOICE
    probe_entries = load(f"{problem}-c-record-search")
    probes = tuple(Probe(sid, what, dict(fields["augment"]), final_acc(e))
                   for (sid, what, fields), e in zip(search, probe_entries))
    return Record(problem, probes, choice, group(load(f"{problem}-c-record-final")),
                  group(load(f"{problem}-c-record-control")),
                  group(load(f"{problem}-c-expand-final")), TARGETS[problem], LITERATURE[problem])


@dataclass(frozen=True)
class RecordFindings:
    shallow: Record
    deep: Record


def from_cache(load: Load) -> RecordFindings:
    """Both records, from ``load(experiment) -> entries`` (the store's loader; families never import it)."""
    return RecordFindings(_record("p2", load), _record("p3", load))
