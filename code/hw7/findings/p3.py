"""Findings of Problem 3 (deep dense networks), computed from the cache: what the chapter says.

Parts (a) and (b) share one structure (:class:`Deep`: the 8 x 30 network with one activation);
part (c) holds the deep search, the controlled depth-against-recipe comparison and, in ``x``,
"Expanding the data". Later findings of part (c) (a depth search, say) join :class:`PartC` as new
fields or :class:`P3` as new parts; nothing here needs to change for that.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hw7.entry import final_acc
from hw7.findings import depth, expanded, observed, records, source
from hw7.findings.common import Band, Entry, last_acc, last_of, pm, step_runs
from hw7.findings.p2 import NBSP, UNIFORM_LOSS, ci_cell
from hw7.mnist import experiments as mx
from hw7.mnist import predictions as pr
from hw7.mnist import tables
from hw7.mnist.data import MNIST_TEST_CLASS_COUNTS
from hw7.present import fmt, stats


@dataclass(frozen=True)
class Deep:
    """The homework's deep network (8 hidden layers of 30) with one activation and initialisation,
    at the homework's rate and at 10 times it, 3 seeds each."""

    activation: str
    lrs: tuple[float, ...]
    finals: dict[float, Band]
    history: pd.DataFrame
    ratio_first: dict[float, float]
    ratio_last: dict[float, float]
    ratio_range: dict[float, tuple[float, float]]
    norms: np.ndarray
    runs: dict[float, tuple[Entry, ...]]
    train_loss: Band

    @property
    def factors(self) -> np.ndarray:
        """Epoch 1 at the homework's rate: each layer's weight-gradient norm over the next layer's
        (index 0 = input layer over layer 2, last = last hidden layer over the output layer)."""
        return self.norms[0, :-1] / self.norms[0, 1:]

    @property
    def middle(self) -> np.ndarray:
        """The factors between hidden layers only (neither the input nor the output layer's step)."""
        return self.factors[1:-1]

    @property
    def middle_mean(self) -> float:
        """Geometric mean of the factors between hidden layers."""
        return float(np.exp(np.mean(np.log(self.middle))))

    @property
    def product(self) -> float:
        """All factors multiplied: the input layer's mean norm over the output layer's."""
        return float(np.prod(self.factors))

    @property
    def spread(self) -> float:
        """The largest factor between neighbouring layers, either way (>= 1)."""
        return float(max(self.factors.max(), 1 / self.factors.min()))

    @property
    def output_factor_range(self) -> tuple[float, float]:
        """The last step's factor (epoch 1, homework's rate) seed by seed: lowest and highest."""
        lr0 = mx.P2_BASELINE["lr"]
        per_seed = [np.asarray(e["result"]["grad_norms"], dtype=float)[0] for e in self.runs[lr0]]
        factors = [n[-2] / n[-1] for n in per_seed]
        return float(min(factors)), float(max(factors))


def backprop_gain(n_in: int, n_out: int, weight_var: float, active: float = 1.0) -> float:
    """Expected ‖Wᵀδ‖ / ‖δ‖ for an n_out × n_in matrix of independent weights of variance
    ``weight_var`` and a fraction ``active`` of the n_in units passing the signal on: each of the
    n_in components sums n_out terms, so the squared norm grows by n_in · weight_var · active."""
    return math.sqrt(n_in * weight_var * active)


def _deep(activation: str, entries: list[Entry]) -> Deep:
    lrs = tuple(sorted({e["config"]["lr"] for e in entries}))
    runs = {lr: tuple(e for e in entries if e["config"]["lr"] == lr) for lr in lrs}
    ratios = {lr: np.array([e["result"]["grad_ratio"] for e in rs], dtype=float) for lr, rs in runs.items()}
    lr0 = mx.P2_BASELINE["lr"]
    norms = np.nanmean(np.array([e["result"]["grad_norms"] for e in runs[lr0]], dtype=float), axis=0)
    return Deep(activation=activation, lrs=lrs, finals={lr: last_acc(rs) for lr, rs in runs.items()},
                history=tables.history(entries), ratio_first={lr: float(r[:, 0].mean()) for lr, r in ratios.items()},
                ratio_last={lr: float(r[:, -1].mean()) for lr, r in ratios.items()},
                ratio_range={lr: (float(np.nanmin(r)), float(np.nanmax(r))) for lr, r in ratios.items()},
                norms=norms, runs=runs, train_loss=last_of(entries, "train_loss"))


@dataclass(frozen=True)
class PartA:
    """(a) Sigmoid units with Xavier initialisation: the gradient vanishes and the net answers one class."""

    sigmoid: Deep
    homework_lr: float
    test_images: int
    runs: int
    epochs: int
    uniform_loss: float
    output_gain: float
    observed_single_class: dict[int, dict[int, int]] | None  # run -> {epoch: digit} from pred_counts, if recorded
    input_factor: float | None  # ‖x‖ / ‖σ(W₁x)‖ in epoch 1 (mean over runs), from input_norms, if recorded

    @property
    def observed_single_class_epochs(self) -> int | None:
        """Epochs (over all runs) in which the stored class counts show one digit for every image."""
        if self.observed_single_class is None:
            return None
        return sum(len(v) for v in self.observed_single_class.values())

    @property
    def observed_digit_epochs(self) -> dict[int, int]:
        """Digit -> run-epochs in which the stored class counts show the net answering that digit alone,
        most frequent first (empty without stored counts)."""
        found = Counter(d for run in (self.observed_single_class or {}).values() for d in run.values())
        return dict(found.most_common())

    @property
    def end_digits(self) -> dict[int, int]:
        """Digit -> runs that answer that digit alone for every test image after their last epoch, most first."""
        found = Counter(run[max(run)] for run in (self.observed_single_class or {}).values() if run)
        return dict(found.most_common())

    @property
    def end_pair(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """The two digits the runs end on, (digit, runs) each, most runs first (the chapter's sentence
        names two; a claim test checks there are exactly two)."""
        (d1, n1), (d2, n2) = list(self.end_digits.items())[:2]
        return (d1, n1), (d2, n2)

    def digit_count(self, digit: int) -> int:
        """Test images of ``digit``: the score of a net that answers it alone, times the test set's size."""
        return MNIST_TEST_CLASS_COUNTS[digit]

    @property
    def output_expected(self) -> float:
        """The last step's factor if it were a hidden step times the output matrix's Xavier gain."""
        return self.sigmoid.middle_mean * self.output_gain

    @property
    def input_length_ratio(self) -> float:
        """How much longer the input layer's input (the image) must be than a hidden layer's (30
        sigmoid outputs) for the first step's factor, if δ shrinks there as between hidden layers."""
        return float(self.sigmoid.factors[0]) / self.sigmoid.middle_mean

    def factor_table(self, relu: Deep) -> pd.DataFrame:
        """Per-layer factors of the weight-gradient norm in epoch 1 at the homework's rate."""
        n = len(self.sigmoid.factors)
        names = ["1 (input) / 2"] + [f"{k} / {k + 1}" for k in range(2, n)] + [f"{n} / {n + 1} (output)"]
        return pd.DataFrame({"layers k / k + 1": names, "sigmoid + Xavier": [f"{v:.3f}" for v in self.sigmoid.factors],
                             "ReLU + Kaiming": [f"{v:.3f}" for v in relu.factors]})


@dataclass(frozen=True)
class PartB:
    """(b) ReLU units with Kaiming initialisation, against the shallow networks of Problem 2."""

    relu: Deep
    shallow: dict[float, Band]
    vs_shallow: dict[float, stats.Paired]   # deep − shallow (Problem 2(a)), paired by seed
    p2_best: Band
    p2_best_params: int
    vs_p2_best: stats.Paired                # deep (homework's rate) − best shallow (Problem 2(c)), by seed
    params: int
    output_expected: float

    def table(self, sigmoid: Deep) -> pd.DataFrame:
        """Accuracy and gradient ratios of both deep networks at both rates."""
        rows = []
        for name, d in (("sigmoid + Xavier", sigmoid), ("ReLU + Kaiming", self.relu)):
            rows += [{"network": name, "learning rate": fmt.lr_tex(lr), "test accuracy (%)": pm(d.finals[lr]),
                      "ratio, epoch 1": fmt.sci_tex(d.ratio_first[lr]), "ratio, last epoch": fmt.sci_tex(d.ratio_last[lr])}
                     for lr in d.lrs]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class PartC:
    """(c) The deep dense search (validation split), the chosen network, and depth against recipe."""

    search: pd.DataFrame
    steps: dict[str, Band]
    wider: stats.Paired                      # d.2 − d.1, paired by seed
    wave1: dict[str, stats.Paired]           # d.3–d.7 − d.2, paired, Holm over the five
    best: stats.Best[str]
    choice: str
    final: Band
    params: int
    search_minutes: float
    vs_p2: stats.Paired                     # p3-c-final − p2-c-final, paired by seed
    mcnemar: dict[int, pr.McNemar] | None  # the same pair on each test image, per seed (None: no predictions)
    p2_best: Band
    p2_params: int
    p2_choice: str
    p2_choice_val: Band
    p2_wide_val: Band
    plain_deep_vs_wide: stats.Paired        # d.2 − Problem 2's w1.5 (validation), paired by seed
    recipe_test: Band
    recipe_val: Band
    recipe_params: int
    recipe_width: int
    recipe_vs_p2: stats.Paired              # one hidden layer with the deep recipe − p2-c-final (test), by seed
    deep_vs_recipe: stats.Paired
    deep_vs_recipe_val: stats.Paired        # the same pair on the validation split, by seed
    adam_on_bn_dropout: stats.Paired    # e.1 − d.6: the same net, Adam in place of SGD
    wider_winner: stats.Paired          # e.2 − e.1: the same recipe, every width doubled
    plain_deep_setup: dict[str, object]  # d.2's configuration, compared in prose with w1.5's
    p2_wide_setup: dict[str, object]
    plain_deep_params: int
    p2_wide_params: int
    #: the test runs of the best shallow and the best deep net: their stored predictions draw the
    #: confusion matrices and the grids of misclassified digits
    shallow_runs: tuple[Entry, ...] = field(default=(), repr=False, compare=False)
    deep_runs: tuple[Entry, ...] = field(default=(), repr=False, compare=False)

    @property
    def predicted(self) -> dict[str, tuple[Entry, ...]]:
        """The two nets' test runs under the names the figures print."""
        return {f"one hidden layer ({self.p2_choice})": self.shallow_runs, f"deep ({self.choice})": self.deep_runs}

    def top_confusions(self, n: int = 5) -> dict[str, dict[tuple[int, int], int]]:
        """Each net's ``n`` most frequent (true, answered) confusions on the test set, summed over its seeds."""
        labels = pr.test_labels()
        out = {}
        for name, runs in self.predicted.items():
            m = pr.confusion_sum(runs, labels)
            np.fill_diagonal(m, 0)
            order = np.argsort(-m.ravel(), kind="stable")[:n]
            out[name] = {(int(t), int(a)): int(m[t, a]) for t, a in zip(*np.unravel_index(order, m.shape))}
        return out

    @property
    def mcnemar_seeds(self) -> list[int]:
        """The seeds McNemar's test could use (both nets' predictions stored)."""
        return [] if self.mcnemar is None else sorted(self.mcnemar)

    @property
    def mcnemar_only(self) -> tuple[int, int]:
        """Images only the deep net gets right, and only the shallow one, summed over those seeds."""
        tests = [] if self.mcnemar is None else list(self.mcnemar.values())
        return sum(m.b for m in tests), sum(m.c for m in tests)

    @property
    def mcnemar_max_p(self) -> float | None:
        """The largest per-seed McNemar p (None without stored predictions)."""
        return None if self.mcnemar is None else max(m.p for m in self.mcnemar.values())

    def delta(self, step: str, reference: str) -> float:
        return self.steps[step].mean - self.steps[reference].mean

    @property
    def found(self) -> dict[str, tuple[str, stats.Paired]]:
        """Each step's comparison in the chapter: (the step it is set against, the paired result)."""
        return ({"d.2": ("d.1", self.wider)} | {s: ("d.2", v) for s, v in self.wave1.items()}
                | {"e.1": ("d.6", self.adam_on_bn_dropout), "e.2": ("e.1", self.wider_winner)})

    def table(self) -> pd.DataFrame:
        """The search as the reader sees it: each step against the one it modifies, paired by seed, with
        Δ (95 % CI) and its p-value (Holm over wave 1's five variants against d.2)."""
        rows = tables.search_report(self.search, {}).drop(columns=["Δ (points)", "s / run"])
        found = self.found
        rows["against"] = [found[s][0] if s in found else "" for s in rows["id"]]
        rows["Δ points [95 % CI]"] = [ci_cell(found[s][1]) if s in found else "" for s in rows["id"]]
        rows["p (Holm)"] = [stats.p_value(found[s][1].p).replace(" ", NBSP) if s in found else "" for s in rows["id"]]
        return rows.rename(columns={"id": "id" + NBSP * 4, "Δ points [95 % CI]": "Δ points [95 % CI]" + NBSP * 4})

    def controlled_table(self) -> pd.DataFrame:
        """Depth against recipe: the three networks on both splits."""
        return pd.DataFrame([
            {"network": f"Problem 2(c) best shallow ({self.p2_choice})", "parameters": f"{self.p2_params:,}",
             "validation": pm(self.p2_choice_val), "test": pm(self.p2_best)},
            {"network": "same shallow network, deep winner’s recipe", "parameters": f"{self.recipe_params:,}",
             "validation": pm(self.recipe_val), "test": pm(self.recipe_test)},
            {"network": f"deep winner ({self.choice})", "parameters": f"{self.params:,}",
             "validation": pm(self.steps[self.choice]), "test": pm(self.final)}])

    @property
    def param_ratio(self) -> float:
        return self.params / self.recipe_params


@dataclass(frozen=True)
class P3:
    """Problem 3's findings, part by part; ``x`` is "Expanding the data" in part (c)."""

    a: PartA
    b: PartB
    c: PartC
    depth: depth.Depth
    depth_vs_winner: stats.Paired    # the depth search's best net − the deep winner, test set, by seed
    x: expanded.Expanded
    p2x: Band                        # Problem 2(c)'s expanded network (test), which ``x`` is set against
    x_vs_p2x: stats.Paired
    record: records.Record
    shallow_record: records.Record       # 2(c)'s long run, which the deep one is set against
    record_vs_shallow_record: stats.Paired
    hidden_layers: int
    width: int
    setup: dict[str, object]


def by_seed(entries: Sequence[Entry]) -> dict[int, float]:
    """Final accuracy keyed by seed: what a paired comparison reads."""
    return {int(e["config"]["seed"]): final_acc(e) for e in entries}


def _part_a(sigmoid: Deep) -> PartA:
    n_in, n_out = mx.P3_DEEP_SIZES[-2:]
    entries = [e for rs in sigmoid.runs.values() for e in rs]
    return PartA(sigmoid=sigmoid, homework_lr=mx.P2_BASELINE["lr"], test_images=sum(MNIST_TEST_CLASS_COUNTS),
                 runs=len(entries), epochs=sum(len(e["result"]["eval_acc"]) for e in entries),
                 uniform_loss=UNIFORM_LOSS, observed_single_class=observed.single_class_epochs(entries),
                 input_factor=observed.input_factor(sigmoid.runs[mx.P2_BASELINE["lr"]]),
                 # Xavier normal: variance 2 / (fan_in + fan_out) for the last (30 -> 10) matrix
                 output_gain=backprop_gain(n_in, n_out, 2 / (n_in + n_out)))


def _part_b(relu: Deep) -> PartB:
    n_in, n_out = mx.P3_DEEP_SIZES[-2:]
    p2a = source.entries("p2-a-sgd-lr")
    p2a_at = {lr: [e for e in p2a if e["config"]["lr"] == lr] for lr in relu.lrs}
    shallow = {lr: last_acc(p2a_at[lr]) for lr in relu.lrs}
    p2_final = source.entries("p2-c-final")
    lr0 = mx.P2_BASELINE["lr"]
    return PartB(relu=relu, shallow=shallow,
                 vs_shallow={lr: stats.paired(by_seed(relu.runs[lr]), by_seed(p2a_at[lr])) for lr in relu.lrs},
                 p2_best=last_acc(p2_final), p2_best_params=int(p2_final[0]["result"]["params"]),
                 vs_p2_best=stats.paired(by_seed(relu.runs[lr0]), by_seed(p2_final)),
                 params=int(relu.runs[lr0][0]["result"]["params"]),
                 # Kaiming uniform, mode='fan_out': variance 2 / fan_out; ReLU passes about half the units
                 output_expected=backprop_gain(n_in, n_out, 2 / n_out, active=0.5))


def _part_c() -> PartC:
    entries = source.entries("p3-c-search")
    steps = {sid: last_acc(rs) for sid, rs in step_runs(entries, mx.P3C_SEARCH).items()}
    seeds = {sid: b.by_seed for sid, b in steps.items()}
    wave1 = stats.paired_against_control(seeds["d.2"], {s: seeds[s] for s in ("d.3", "d.4", "d.5", "d.6", "d.7")})
    search = tables.search_table(entries, mx.P3C_SEARCH)
    p2_steps = {sid: last_acc(rs) for sid, rs in step_runs(source.entries("p2-c-search"), mx.P2C_SEARCH).items()}
    p2_final, finals = last_acc(source.entries("p2-c-final")), last_acc(source.entries("p3-c-final"))
    recipe_runs = source.entries("p3-c-shallow-same-recipe")
    recipe_test = last_acc(recipe_runs)
    recipe_val = last_acc(source.entries("p3-c-shallow-same-recipe-val"))
    return PartC(search=search, steps=steps, wider=stats.paired(seeds["d.2"], seeds["d.1"]), wave1=wave1,
                 best=stats.best_paired(seeds), choice=mx.P3C_CHOICE, final=finals,
                 params=int(source.entries("p3-c-final")[0]["result"]["params"]),
                 search_minutes=float(search["seconds"].mul(search["n"]).sum()) / 60,
                 vs_p2=stats.paired(finals.by_seed, p2_final.by_seed),
                 mcnemar=observed.mcnemar(source.entries("p3-c-final"), source.entries("p2-c-final")),
                 p2_best=p2_final, p2_params=int(source.entries("p2-c-final")[0]["result"]["params"]),
                 p2_choice=mx.P2C_CHOICE, p2_choice_val=p2_steps[mx.P2C_CHOICE], p2_wide_val=p2_steps["w1.5"],
                 plain_deep_vs_wide=stats.paired(seeds["d.2"], p2_steps["w1.5"].by_seed),
                 recipe_test=recipe_test, recipe_val=recipe_val,
                 recipe_params=int(recipe_runs[0]["result"]["params"]), recipe_width=mx.P3C_SHALLOW_SIZES[1],
                 recipe_vs_p2=stats.paired(recipe_test.by_seed, p2_final.by_seed),
                 deep_vs_recipe=stats.paired(finals.by_seed, recipe_test.by_seed),
                 deep_vs_recipe_val=stats.paired(seeds[mx.P3C_CHOICE], recipe_val.by_seed),
                 adam_on_bn_dropout=stats.paired(seeds["e.1"], seeds["d.6"]),
                 wider_winner=stats.paired(seeds["e.2"], seeds["e.1"]),
                 plain_deep_setup=mx.search_fields(mx.P3C_SEARCH, "d.2"),
                 p2_wide_setup=mx.search_fields(mx.P2C_SEARCH, "w1.5"),
                 plain_deep_params=_params(search, "d.2"),
                 p2_wide_params=_params(tables.search_table(source.entries("p2-c-search"), mx.P2C_SEARCH), "w1.5"),
                 shallow_runs=tuple(source.entries("p2-c-final")), deep_runs=tuple(source.entries("p3-c-final")))


def _params(search: pd.DataFrame, step: str) -> int:
    """One search step's parameter count, from its search table."""
    return int(search.loc[search["id"] == step, "params"].iloc[0])


def load() -> P3:
    """Every finding of the Problem 3 chapter, from the committed cache."""
    sigmoid = _deep("sigmoid", source.entries("p3-a-sigmoid-deep"))
    relu = _deep("relu", source.entries("p3-b-relu-deep"))
    x, x2 = expanded.p3(), expanded.p2()
    deep, shallow = records.deep(), records.shallow()
    c, d = _part_c(), depth.load()
    return P3(a=_part_a(sigmoid), b=_part_b(relu), c=c, depth=d,
              depth_vs_winner=stats.paired(d.test.by_seed, c.final.by_seed), x=x, p2x=x2.final,
              x_vs_p2x=stats.paired(x.final.by_seed, x2.final.by_seed), record=deep, shallow_record=shallow,
              record_vs_shallow_record=stats.paired(deep.final.acc.by_seed, shallow.final.acc.by_seed),
              hidden_layers=len(mx.P3_DEEP_SIZES) - 2, width=mx.P3_DEEP_SIZES[1], setup=dict(mx.P2_BASELINE))

