"""Problems 2(c) and 3(c), the long runs on distorted data, as typed findings.

For each net (one hidden layer, deep dense): the one-seed validation probes that chose its distortion
(one hidden layer) or its schedule's length (deep), the chosen run on the test set (3 seeds), its
control (the same net, schedule and epochs without distortions, 3 seeds), the earlier shorter expanded
run (and its own control where the cache has one), the deep net's first long run tested before the
length was searched, the literature's results and the CPU time each cost. "The distortions add X"
is ``final - control``: the two differ in the distortions alone. Every group trains the same seeds, so
groups are compared paired by seed (:func:`hw7.present.stats.paired`: difference, 95 % CI, p); the
published results, one number each, are judged by the prediction interval of our seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hw7.entry import final_acc
from hw7.findings import source
from hw7.findings.common import Band, Entry, last_acc, last_of, pm
from hw7.mnist import experiments as mx
from hw7.present import stats


@dataclass(frozen=True)
class Literature:
    """A published result for the same kind of net on distorted MNIST (as cited in issue 18)."""

    accuracy: float
    source: str
    net: str
    images: str                  # the distortions it trained on

    @property
    def params(self) -> int:
        """Weights and biases of the dense net ``net`` ("784-1000-500-10")."""
        sizes = [int(w) for w in self.net.split("-")]
        return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


LITERATURE: dict[str, tuple[Literature, ...]] = {
    "p2": (Literature(0.993, "Simard, Steinkraus and Platt (2003)", "784-800-10", "elastic"),),
    "p3": (Literature(0.9951, "Cireşan et al. (2010)", "784-1000-500-10", "affine and elastic"),
           Literature(0.9965, "Cireşan et al. (2010)", "784-2500-2000-1500-1000-500-10", "affine and elastic")),
}


@dataclass(frozen=True)
class Group:
    """One config trained over seeds: final test accuracies, curves, last training loss and cost."""

    config: dict[str, object]    # seed 0's config (the seeds differ in nothing else)
    sizes: tuple[int, ...]
    params: int
    epochs: int
    acc: Band
    curves: np.ndarray           # test accuracy, seeds x epochs
    train_loss: Band             # last epoch's mean training loss
    cpu_seconds: Band

    @property
    def widths(self) -> str:
        return "-".join(map(str, self.sizes))

    @property
    def cpu_hours(self) -> float:
        """Mean CPU time of one run (one thread), in hours."""
        return self.cpu_seconds.mean / 3600

    @property
    def cpu_seconds_per_epoch(self) -> float:
        return self.cpu_seconds.mean / self.epochs

    def cpu_hours_for(self, epochs: int) -> float:
        """What ``epochs`` epochs of this run would cost, in CPU hours of one thread, at its measured rate."""
        return self.cpu_seconds_per_epoch * epochs / 3600

    @property
    def last5_change(self) -> float:
        """Mean accuracy over the last 5 epochs minus that over the 5 before (is the curve still rising?)."""
        m = self.curves.mean(axis=0)
        return float(m[-5:].mean() - m[-10:-5].mean())

    @property
    def best_epoch_mean(self) -> float:
        """The highest mean-over-seeds accuracy of any epoch."""
        return float(self.curves.mean(axis=0).max())


def _group(entries: list[Entry]) -> Group:
    c0, r0 = entries[0]["config"], entries[0]["result"]
    return Group(dict(c0), tuple(c0["sizes"]), int(r0["params"]), int(c0["epochs"]),
                 last_acc(entries), np.array([e["result"]["eval_acc"] for e in entries], dtype=float),
                 last_of(entries, "train_loss"),
                 Band.of(e["result"].get("cpu_seconds") or e["result"]["seconds"] for e in entries))


@dataclass(frozen=True)
class Probe:
    """One validation run (seed 0) of the search that chose the distortion or the length."""

    id: str
    change: str
    val_acc: float


@dataclass(frozen=True)
class Record:
    probes: tuple[Probe, ...]
    choice: str
    final: Group
    control: Group
    earlier: Group               # the earlier, shorter expanded run (test, 3 seeds)
    literature: tuple[Literature, ...]
    #: the earlier run's own control (its config without the distortions), where the cache has one: with
    #: it the four groups cross schedule (earlier, long) with data (original, distorted)
    earlier_control: Group | None = None
    #: a first long run tested before its length was searched, and its control (the deep net: 60 epochs)
    first: Group | None = None
    first_control: Group | None = None

    @property
    def chosen_is_best_probe(self) -> bool:
        """The distortion trained on the test set won its validation probes (vacuous without probes)."""
        return not self.probes or max(self.probes, key=lambda p: p.val_acc).id == self.choice

    def probe(self, sid: str) -> Probe:
        return next(p for p in self.probes if p.id == sid)

    @property
    def vs_control(self) -> stats.Paired:
        """The distortions alone: the chosen run − the same net, schedule and epochs without them, by seed."""
        return stats.paired(self.final.acc.by_seed, self.control.acc.by_seed)

    @property
    def vs_earlier(self) -> stats.Paired:
        """The longer, annealed schedule (and, for one hidden layer, the net without dropout) − the earlier run."""
        return stats.paired(self.final.acc.by_seed, self.earlier.acc.by_seed)

    @property
    def schedule_without_distortions(self) -> stats.Paired | None:
        """The long annealed schedule on the original images: the control − the earlier run's control."""
        return None if self.earlier_control is None else stats.paired(self.control.acc.by_seed,
                                                                        self.earlier_control.acc.by_seed)

    @property
    def distortions_earlier(self) -> stats.Paired | None:
        """What the distortions added under the earlier, shorter schedule."""
        return None if self.earlier_control is None else stats.paired(self.earlier.acc.by_seed,
                                                                        self.earlier_control.acc.by_seed)

    @property
    def vs_first(self) -> stats.Paired | None:
        """The chosen, longer schedule − the first long run (distorted images, test), by seed."""
        return None if self.first is None else stats.paired(self.final.acc.by_seed, self.first.acc.by_seed)

    @property
    def vs_literature(self) -> tuple[stats.Verdict, ...]:
        """Our seeds against each published result (one number), by the prediction interval of our
        seeds: could a new seed of ours land there?"""
        return self._against_literature(self.final)

    def _against_literature(self, group: Group) -> tuple[stats.Verdict, ...]:
        # Welch-free on purpose: a published result is one number, not a seed of ours, so stats.compare
        # judges it by our seeds' prediction interval (nothing to pair it with)
        return tuple(stats.compare(group.acc.values, [lit.accuracy]) for lit in self.literature)

    @property
    def probe_gap(self) -> float:
        """The validation gap between the chosen probe and the best other one (0 without probes)."""
        if len(self.probes) < 2:
            return 0.0
        others = [p.val_acc for p in self.probes if p.id != self.choice]
        return self.probe(self.choice).val_acc - max(others)

    @property
    def seed_pair_sd(self) -> float:
        """How much two single seeds of the first long run differ (sd of a difference: sd x sqrt 2), the
        yardstick for a choice made from one seed per candidate."""
        return 0.0 if self.first is None else self.first.acc.sd * 2 ** 0.5

    @property
    def new_seed_interval(self) -> stats.Prediction:
        """Where a new seed of the chosen run would land (95 %: ``low``, ``high``)."""
        return stats.prediction(self.final.acc.mean, self.final.acc.values)

    def table(self) -> pd.DataFrame:
        """The runs and the literature as the reader sees them (test accuracy, %). The earlier run's
        control is timed by the batched engine, not in CPU time, so its cost is left blank."""
        earlier = "earlier run" + _net_change(self.earlier.config, self.final.config) + ", rate cut in steps"
        ours = [(earlier, self.earlier_control, False), (earlier, self.earlier, True),
                ("first long run, cosine rate", self.first_control, True),
                ("first long run, cosine rate", self.first, True),
                ("long run, cosine rate", self.control, True), ("long run, cosine rate", self.final, True)]
        rows = [{"network and training": what, "distortions": _distortions(g.config), "epochs": str(g.epochs),
                 "test accuracy (%)": pm(g.acc), "CPU h / run": f"{g.cpu_hours:.2f}" if timed else ""}
                for what, g, timed in ours if g is not None]
        rows += [{"network and training": f"{lit.source}: {lit.net}", "distortions": lit.images, "epochs": "",
                  "test accuracy (%)": f"{100 * lit.accuracy:.2f}", "CPU h / run": ""} for lit in self.literature]
        return pd.DataFrame(rows)


def _net_change(config: dict[str, object], final: dict[str, object]) -> str:
    """What the earlier run's net has that the long run's does not (" (784-1600-10, dropout 0.5)"), or ""."""
    parts = []
    if config["sizes"] != final["sizes"]:
        parts.append("-".join(map(str, config["sizes"])))  # type: ignore[call-overload]
    if config.get("dropout") != final.get("dropout"):
        parts.append(f"dropout {config.get('dropout')}")
    return f" ({', '.join(parts)})" if parts else ""


def _distortions(config: dict[str, object]) -> str:
    """The distortions a run trained on, in the table's words ("none", "affine", "affine and elastic")."""
    aug = config.get("augment")
    if not isinstance(aug, dict):
        return "none"
    kinds = [name for name, on in (("affine", any(aug.get(k) for k in ("rotate", "scale", "shear", "shift"))),
                                   ("elastic", bool(aug.get("elastic_alpha")))) if on]
    return " and ".join(kinds)


def _record(problem: str) -> Record:
    search = mx.P2C_RECORD if problem == "p2" else mx.P3C_RECORD
    choice = mx.P2C_RECORD_CHOICE if problem == "p2" else mx.P3C_RECORD_CHOICE
    probes: tuple[Probe, ...] = ()
    if len(search) > 1:  # the registry runs a validation probe only where there is a choice
        probes = tuple(Probe(sid, what, final_acc(e))
                       for (sid, what, _), e in zip(search, source.entries(f"{problem}-c-record-search")))
    earlier = _group(source.entries(f"{problem}-c-expand-final"))
    plain = _group(source.entries(f"{problem}-c-final"))
    same = _without_augment(plain.config) == _without_augment(earlier.config)
    first: tuple[Group | None, Group | None] = (None, None)
    if problem in mx.RECORD_FIRST:  # a long run tested before its search was run
        first = (_group(source.entries(f"{problem}-c-record-first-final")),
                 _group(source.entries(f"{problem}-c-record-first-control")))
    return Record(probes, choice, _group(source.entries(f"{problem}-c-record-final")),
                  _group(source.entries(f"{problem}-c-record-control")), earlier,
                  LITERATURE[problem], plain if same else None, *first)


def _without_augment(config: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in config.items() if k != "augment"}


def shallow() -> Record:
    """Problem 2(c)'s long run (one hidden layer)."""
    return _record("p2")


def deep() -> Record:
    """Problem 3(c)'s long run (the deep winner)."""
    return _record("p3")
