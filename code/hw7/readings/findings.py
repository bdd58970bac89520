"""What appendices A–C say, computed once from the cache as frozen, typed findings (one loader each).

The appendices cite these attributes and ``tests/test_claims_readings.py`` checks every
comparative or universal sentence against the same objects. ``read`` is
:func:`hw7.store.loader.load`, passed in because a family never imports the store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from hw7.entry import Entry, acc_at, final_accs, history
from hw7.present import claims
from hw7.present.plots import label
from hw7.readings.experiments import LNN_INIT, LNN_INIT_DEPTH, LNN_INIT_LR, NUMPY_EPOCHS, ZOO_SEEDS
from hw7.readings.figures import gradcheck_table, lnn_stability_limit
from hw7.readings.zoo import PUBLISHED_ACC, TUTORIAL_HYPER, TUTORIAL_LOG_FINAL

Read = Callable[[str], list[Entry]]


def holm(pvalues: Mapping[Any, float], alpha: float = claims.ALPHA) -> set[Any]:
    """Holm's step-down correction: the keys whose tests stay significant when all are corrected together."""
    kept: set[Any] = set()
    ordered = sorted(pvalues, key=pvalues.__getitem__)
    for i, key in enumerate(ordered):
        if pvalues[key] >= alpha / (len(ordered) - i):
            break
        kept.add(key)
    return kept


# ---------------------------------------------------------------------------------------------
# Appendix A: the optimizer zoo


@dataclass(frozen=True)
class ZooRow:
    """One optimizer: the tutorial's one-seed accuracy beside ours over seeds."""

    optimizer: str
    lr: float
    published: float
    mean: float
    sd: float
    min: float
    max: float
    rank_published: int
    rank_ours: int
    pi: claims.Prediction                    # the published value against our seeds (prediction interval)

    @property
    def label(self) -> str:
        return label(self.optimizer)

    @property
    def inside(self) -> bool:
        """The published value lies inside our seeds' 95 % prediction interval for one new run."""
        return self.pi.low <= self.published <= self.pi.high

    @property
    def range(self) -> float:
        return self.max - self.min


@dataclass(frozen=True)
class Zoo:
    """Appendix A. Set-up numbers; the published list against our seeds (is each value inside our
    range, why all eight lie above our means); and which pairwise differences survive the seed spread
    (Welch at 5 % per pair, and Holm's correction over all pairs, since the ranking is one family)."""

    # set-up
    n_seeds: int
    n_runs: int
    hidden: int
    batch_size: int
    iterations: int
    batches_per_epoch: int
    eval_every: int
    sgd_lr: float
    momentum: float
    cpu_minutes: float
    rows: tuple[ZooRow, ...]                 # sorted by our mean, best first
    # the published list against our seeds
    below_published: tuple[int, ...]          # per seed of ours: optimizers below the published value
    seed_gap: tuple[float, ...]               # per seed: mean (published - ours) in points
    log_final: Mapping[str, float]            # the tutorial's own last logged accuracy (%)
    # pairwise comparisons: (better, worse) pairs
    separated: frozenset[tuple[str, str]]
    separated_holm: frozenset[tuple[str, str]]
    entries: tuple[Entry, ...] = field(repr=False, compare=False)

    def row(self, optimizer: str) -> ZooRow:
        return next(r for r in self.rows if r.optimizer == optimizer)

    @property
    def n_optimizers(self) -> int:
        return len(self.rows)

    @property
    def outside(self) -> frozenset[str]:
        return frozenset(r.optimizer for r in self.rows if not r.inside)

    @property
    def n_inside(self) -> int:
        return sum(r.inside for r in self.rows)

    @property
    def outside_holm(self) -> frozenset[str]:
        """Published values outside our seeds once the eight prediction tests are Holm-corrected together."""
        return frozenset(holm({r.optimizer: r.pi.p for r in self.rows}))

    @property
    def ranks_agree_from(self) -> int:
        """The best rank k from which on both lists put the same optimizer at every rank k, k + 1, ..."""
        k = self.n_optimizers
        while k > 1 and all(r.rank_ours == r.rank_published for r in self.rows if r.rank_ours >= k - 1):
            k -= 1
        return k

    @property
    def median_range(self) -> float:
        return float(np.median([r.range for r in self.rows]))

    @property
    def widest(self) -> ZooRow:
        return max(self.rows, key=lambda r: r.range)

    @property
    def published_gaps(self) -> tuple[float, ...]:
        """Gaps between neighbours in the tutorial's sorted list."""
        pub = sorted((r.published for r in self.rows), reverse=True)
        return tuple(a - b for a, b in zip(pub, pub[1:]))

    @property
    def n_small_gaps(self) -> int:
        """Gaps between published neighbours smaller than our median seed range."""
        return sum(g < self.median_range for g in self.published_gaps)

    @property
    def n_above(self) -> int:
        return sum(r.published > r.mean for r in self.rows)

    @property
    def sign_p(self) -> float:
        return claims.sign_test(self.n_above, self.n_optimizers)

    @property
    def published_lead(self) -> float:
        """Mean (published - our mean) over the optimizers, in points."""
        return 100 * float(np.mean([r.published - r.mean for r in self.rows]))

    @property
    def n_seeds_all_below(self) -> int:
        return sum(b == self.n_optimizers for b in self.below_published)

    @property
    def log_mismatch(self) -> frozenset[str]:
        """Optimizers whose published value disagrees with their own log (whole percent logs truncate)."""
        out = set()
        for opt, logged in self.log_final.items():
            pub = 100 * self.row(opt).published
            ok = round(pub, 2) == logged if logged != int(logged) else math.floor(pub + 1e-9) == logged
            if not ok:
                out.add(opt)
        return frozenset(out)

    @property
    def n_pairs(self) -> int:
        return self.n_optimizers * (self.n_optimizers - 1) // 2

    @property
    def top(self) -> frozenset[str]:
        """Optimizers no other one beats (Welch, 5 % per pair)."""
        return frozenset(r.optimizer for r in self.rows if not any(w == r.optimizer for _, w in self.separated))

    def beaten_by_all(self, pairs: frozenset[tuple[str, str]] | None = None) -> frozenset[str]:
        pairs = self.separated if pairs is None else pairs
        return frozenset(r.optimizer for r in self.rows
                         if sum(w == r.optimizer for _, w in pairs) == self.n_optimizers - 1)

    @property
    def holm_dropped(self) -> frozenset[tuple[str, str]]:
        return self.separated - self.separated_holm

    @property
    def best(self) -> ZooRow:
        return self.rows[0]

    @property
    def worst(self) -> ZooRow:
        return self.rows[-1]

    @property
    def bottom_two_trail(self) -> float:
        """How far (points) the better of the two lowest means trails the best mean."""
        return 100 * (self.best.mean - self.rows[-2].mean)

    @property
    def momentum_gain(self) -> float:
        """Our mean of SGD with momentum minus plain SGD, in points."""
        return 100 * (self.row("momentum").mean - self.row("sgd").mean)


@lru_cache(maxsize=4)
def load_zoo(read: Read) -> Zoo:
    entries = read("app-zoo")
    accs: dict[str, list[float]] = {}
    for e in entries:
        accs.setdefault(e["config"]["optimizer"], []).append(e["result"]["final_test_acc"])
    lr = {e["config"]["optimizer"]: e["result"]["hyper_effective"]["lr"] for e in entries}
    stats = {o: (float(np.mean(a)), float(np.std(a, ddof=1)), min(a), max(a)) for o, a in accs.items()}
    rank_pub = pd.Series({o: PUBLISHED_ACC[o] for o in accs}).rank(ascending=False, method="min")
    rank_ours = pd.Series({o: s[0] for o, s in stats.items()}).rank(ascending=False, method="min")
    rows = tuple(sorted((ZooRow(o, lr[o], PUBLISHED_ACC[o], *stats[o], int(rank_pub[o]), int(rank_ours[o]),
                                claims.prediction(PUBLISHED_ACC[o], accs[o])) for o in accs), key=lambda r: -r.mean))
    pvalues = {}
    separated = set()
    for a in accs:
        for b in accs:
            if a < b:
                v = claims.compare(accs[a], accs[b])
                pair = (a, b) if v.mean_a > v.mean_b else (b, a)
                pvalues[pair] = v.p
                if v.significant:
                    separated.add(pair)
    seeds = sorted({e["config"]["seed"] for e in entries})
    per_seed = {s: {e["config"]["optimizer"]: e["result"]["final_test_acc"] for e in entries if e["config"]["seed"] == s}
                for s in seeds}
    cfg = entries[0]["config"]
    return Zoo(
        n_seeds=len(ZOO_SEEDS), n_runs=len(entries), hidden=cfg["hidden"], batch_size=cfg["batch_size"],
        iterations=cfg["iterations"], batches_per_epoch=60_000 // cfg["batch_size"], eval_every=cfg["eval_every"],
        sgd_lr=TUTORIAL_HYPER["sgd"]["lr"], momentum=TUTORIAL_HYPER["momentum"]["momentum"],
        cpu_minutes=sum(e["meta"]["seconds"] for e in entries) / 60, rows=rows,
        below_published=tuple(sum(per_seed[s][o] < PUBLISHED_ACC[o] for o in accs) for s in seeds),
        seed_gap=tuple(100 * float(np.mean([PUBLISHED_ACC[o] - per_seed[s][o] for o in accs])) for s in seeds),
        log_final=dict(TUTORIAL_LOG_FINAL), separated=frozenset(separated), separated_holm=frozenset(holm(pvalues)),
        entries=tuple(entries))


def zoo_markdown(z: Zoo) -> str:
    """The appendix's table: published beside ours, inside our 95 % prediction interval or not, and both ranks."""
    rows = [{"optimizer": r.label, "lr": f"{r.lr:g}", "published": f"{100 * r.published:.2f} %",
             "ours: mean ± sd": f"{100 * r.mean:.2f} % ± {100 * r.sd:.2f}",
             "ours: 95 % PI": f"{100 * r.pi.low:.2f} – {100 * r.pi.high:.2f} %",
             "p": claims.p_value(r.pi.p),
             "inside 95 % PI?": "yes" if r.inside else "**no**",
             "rank (published)": r.rank_published, "rank (ours)": r.rank_ours} for r in z.rows]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


# ---------------------------------------------------------------------------------------------
# Appendix B: deep narrow linear networks


@dataclass(frozen=True)
class Lnn:
    """Appendix B. Depth at a fixed rate (a U-shaped learning time); the fastest rate per depth against
    the predicted stability limit; and the initial weight (a window of them learns, the rest stall)."""

    noise_floor: float
    seconds: float
    # depth at a fixed rate: depth -> learning time (-1: never)
    depths: tuple[int, ...]
    time_fixed: Mapping[int, int]
    # the fastest rate for each depth
    search_depths: tuple[int, ...]
    best_lr: Mapping[int, float]
    best_time: Mapping[int, int]
    limit: Mapping[int, float]
    w_star_above_one: bool                   # (E[xy] / E[x^2]) > 1, so w* > 1 at every depth
    last_losses: Mapping[int, tuple[float, ...]]   # last four losses at each depth's fastest rate
    search_lrs: tuple[float, ...]
    search_time: Mapping[int, tuple[int, ...]]     # depth -> learning time at each searched rate (-1: never)
    # the initial weight
    inits: tuple[float, ...]
    time_init: Mapping[float, int]
    final_init: Mapping[float, float]
    first_loss_top: float                   # first loss of the largest initial weight
    w_after: float                          # every weight after the first step from the largest w0
    depth_entry: Entry = field(repr=False, compare=False)
    search_entry: Entry = field(repr=False, compare=False)
    init_entry: Entry = field(repr=False, compare=False)

    @property
    def factor_small(self) -> float:
        """w0^(D-1) for w0 = 0.9, D = 50: the gradient's scale."""
        return LNN_INIT**49

    @property
    def factor_large(self) -> float:
        return 1.2**49

    @property
    def learned(self) -> dict[int, int]:
        return {d: t for d, t in self.time_fixed.items() if t >= 0}

    @property
    def fastest_depth(self) -> int:
        return min(self.learned, key=self.learned.__getitem__)

    @property
    def near_fastest(self) -> tuple[int, ...]:
        """Depths within 5 % of the fastest learning time at the fixed rate: a near-tie, not one winner."""
        best = self.learned[self.fastest_depth]
        return tuple(d for d, t in sorted(self.learned.items()) if t <= 1.05 * best)

    @property
    def shallow(self) -> int:
        return self.depths[0]

    @property
    def deep(self) -> int:
        return self.depths[-1]

    @property
    def ratio(self) -> Mapping[int, float]:
        """Fastest rate over the predicted stability limit, per depth."""
        return {d: self.best_lr[d] / self.limit[d] for d in self.search_depths}

    @property
    def ratio_min(self) -> float:
        return min(self.ratio.values())

    @property
    def ratio_max(self) -> float:
        return max(self.ratio.values())

    @property
    def eta_t_spread(self) -> float:
        """Largest max/min of rate x learning time over the learned rates up to half each depth's
        fastest rate: 1 would be an exact 1/rate law."""
        out = 1.0
        for d in self.search_depths:
            p = [lr * t for lr, t in zip(self.search_lrs, self.search_time[d]) if t >= 0 and lr <= self.best_lr[d] / 2]
            if p:
                out = max(out, max(p) / min(p))
        return out

    @property
    def first_fail(self) -> Mapping[int, float]:
        """Per depth, the smallest rate above the fastest one at which the network does not learn."""
        return {d: min(lr for lr, t in zip(self.search_lrs, self.search_time[d]) if lr > self.best_lr[d] and t < 0)
                for d in self.search_depths}

    @property
    def n_scattered(self) -> int:
        """Rates above a depth's first failure that still pass the threshold, over all depths."""
        return sum(1 for d in self.search_depths for lr, t in zip(self.search_lrs, self.search_time[d])
                   if lr > self.first_fail[d] and t >= 0)

    @property
    def oscillating(self) -> tuple[int, ...]:
        """Depths whose fastest rate lies above the predicted limit (they settle into a two-step oscillation)."""
        return tuple(d for d in self.search_depths if self.ratio[d] > 1)

    def oscillation(self, depth: int) -> tuple[float, float]:
        """The two losses a depth alternates between at the end of training (larger first)."""
        a, b = self.last_losses[depth][-2:]
        return max(a, b), min(a, b)

    @property
    def d_lo(self) -> int:
        return self.search_depths[0]

    @property
    def d_hi(self) -> int:
        return self.search_depths[-1]

    @property
    def window(self) -> tuple[float, float]:
        """Smallest and largest initial weight that learns."""
        ok = [w for w, t in self.time_init.items() if t >= 0]
        return min(ok), max(ok)

    @property
    def n_window(self) -> int:
        """How many of the initial weights tried learn."""
        return sum(t >= 0 for t in self.time_init.values())

    @property
    def window_is_contiguous(self) -> bool:
        lo, hi = self.window
        return all(self.time_init[w] >= 0 for w in self.inits if lo <= w <= hi)

    @property
    def w_fast(self) -> float:
        ok = {w: t for w, t in self.time_init.items() if t >= 0}
        return min(ok, key=ok.__getitem__)

    @property
    def fast_product(self) -> float:
        return self.w_fast**LNN_INIT_DEPTH

    @property
    def below_window_max(self) -> float:
        return max(w for w in self.inits if w < self.window[0])

    @property
    def above_window_min(self) -> float:
        return min(w for w in self.inits if w > self.window[1])

    @property
    def w_top(self) -> float:
        return self.inits[-1]

    @property
    def product_after(self) -> float:
        return self.w_after**LNN_INIT_DEPTH


@lru_cache(maxsize=4)
def load_lnn(read: Read) -> Lnn:
    depth_e, search_e, init_e = read("app-lnn-depth")[0], read("app-lnn-lr")[0], read("app-lnn-init")[0]
    dc, dr = depth_e["config"], depth_e["result"]
    sc, sr = search_e["config"], search_e["result"]
    ic, ir = init_e["config"], init_e["result"]
    limit = lnn_stability_limit(np.array(sc["depths"]), sr["xy_mean"], sr["x_sq_mean"]).tolist()
    curves = np.array(sr["curves"], dtype=float)
    w_top = ic["inits"][-1]
    w_after = w_top - LNN_INIT_LR * (w_top**LNN_INIT_DEPTH * ir["x_sq_mean"] - ir["xy_mean"]) * w_top ** (LNN_INIT_DEPTH - 1)
    return Lnn(
        noise_floor=dr["noise_floor"],
        seconds=sum(e["meta"]["seconds"] for name in ("app-lnn-depth", "app-lnn-lr", "app-lnn-init") for e in read(name)),
        depths=tuple(dc["depths"]), time_fixed=dict(zip(dc["depths"], np.array(dr["learning_time"])[:, 0, 0].tolist())),
        search_depths=tuple(sc["depths"]), best_lr=dict(zip(sc["depths"], [row[0] for row in sr["best_lr"]])),
        best_time=dict(zip(sc["depths"], [row[0] for row in sr["best_time"]])), limit=dict(zip(sc["depths"], limit)),
        w_star_above_one=sr["xy_mean"] / sr["x_sq_mean"] > 1,
        last_losses={d: tuple(curves[i].ravel()[-4:].tolist()) for i, d in enumerate(sc["depths"])},
        search_lrs=tuple(sc["lrs"]),
        search_time={d: tuple(np.array(sr["learning_time"])[i, :, 0].tolist()) for i, d in enumerate(sc["depths"])},
        inits=tuple(ic["inits"]), time_init=dict(zip(ic["inits"], np.array(ir["learning_time"])[0, 0].tolist())),
        final_init=dict(zip(ic["inits"], np.array(ir["final_loss"], dtype=float)[0, 0].tolist())),
        first_loss_top=float(np.array(ir["curves"], dtype=float)[0, 0][-1][0]), w_after=float(w_after),
        depth_entry=depth_e, search_entry=search_e, init_entry=init_e)


def lnn_markdown(n: Lnn) -> str:
    """Fastest rate per depth, its learning time, and the predicted stability limit."""
    return pd.DataFrame({
        "depth D": n.search_depths,
        "fastest η": [f"{n.best_lr[d]:.3f}" for d in n.search_depths],
        "learning time (epochs)": [n.best_time[d] for d in n.search_depths],
        "stability limit": [f"{n.limit[d]:.3f}" for d in n.search_depths],
        "fastest / limit": [f"{n.ratio[d]:.2f}" for d in n.search_depths],
    }).to_markdown(index=False, disable_numparse=True)


# ---------------------------------------------------------------------------------------------
# Appendix C: the NumPy network


@dataclass(frozen=True)
class NumpyNet:
    """Appendix C. Gradient checks (largest relative error per check, where the worst one sits); the
    step-by-step match with torch; and the MNIST runs beside Problem 2(a)'s torch runs."""

    h: float
    max_rel_error: Mapping[str, float]
    dropout_net_params: Mapping[str, float]   # per parameter of the network with dropout 0.5
    match_steps: int
    max_loss_gap: float
    max_weight_gap: float
    seeds: tuple[int, ...]
    numpy_final: tuple[float, ...]            # test accuracy after the last epoch, per seed
    torch_final: tuple[float, ...]
    acc_diffs: tuple[float, ...]              # NumPy - torch test accuracy, every epoch and seed
    numpy_epoch_s: float
    numpy_total_s: float
    torch_run_s: float
    runs_in_batch: int
    homework_loop_run_s: float                # the homework-style torch loop's cost per run (benchmark)
    engine_unbatched_s: float                 # the torch engine, one run at a time (benchmark, same machine)
    engine_batched_s: float                   # the torch engine at the benchmark's best batch of runs
    engine_batched_k: int                     # how many runs that batch trains together
    same_platform: bool                       # the NumPy runs and the benchmark report the same platform
    grad_entry: Entry = field(repr=False, compare=False)
    numpy_entries: tuple[Entry, ...] = field(repr=False, compare=False)
    torch_entries: tuple[Entry, ...] = field(repr=False, compare=False)

    def _worst(self, keep: Callable[[str], bool]) -> float:
        return max(v for k, v in self.max_rel_error.items() if keep(k))

    @property
    def net_plain(self) -> float:
        return self._worst(lambda k: k.startswith("net_") and "dropout" not in k)

    @property
    def net_dropout(self) -> float:
        return self._worst(lambda k: k.startswith("net_") and "dropout" in k)

    @property
    def dropout_layers(self) -> float:
        return self._worst(lambda k: k.startswith("dropout"))

    @property
    def worst_param(self) -> str:
        """The parameter of the dropout network with the largest error."""
        return max(self.dropout_net_params, key=self.dropout_net_params.__getitem__)

    @property
    def other_params_max(self) -> float:
        return max(v for k, v in self.dropout_net_params.items() if k != self.worst_param)

    @property
    def numpy_mean(self) -> float:
        return float(np.mean(self.numpy_final))

    @property
    def torch_mean(self) -> float:
        return float(np.mean(self.torch_final))

    @property
    def n_pairs(self) -> int:
        return len(self.acc_diffs)

    @property
    def n_pairs_differ(self) -> int:
        return sum(d != 0 for d in self.acc_diffs)

    @property
    def numpy_run_s(self) -> float:
        return self.numpy_epoch_s * NUMPY_EPOCHS

    @property
    def n_exact_steps(self) -> int:
        """Steps of the step-by-step match where the two losses are exactly equal (no point on a log axis)."""
        m = self.grad_entry["result"]["match"]
        return sum(a == b for a, b in zip(m["loss_numpy"], m["loss_torch"]))

    @property
    def engine_gain(self) -> float:
        """Homework loop over the unbatched engine: what the engine's loop gains without batching."""
        return self.homework_loop_run_s / self.engine_unbatched_s

    @property
    def batching_gain(self) -> float:
        """Unbatched over batched engine: what batching adds on top."""
        return self.engine_unbatched_s / self.engine_batched_s


@lru_cache(maxsize=4)
def load_numpy(read: Read, bench: Callable[[], Mapping[str, Any]]) -> NumpyNet:
    """``bench`` is :func:`hw7.store.summary.benchmark` (benchmarks/results.json, where the summary's
    ``perf.*`` numbers come from): the homework loop and the torch engine, timed on one machine."""
    from hw7.mnist.experiments import P2_BASELINE

    b = bench()
    engine = {row["K"]: row for row in b["engine"]}

    grad_e = read("app-numpy-gradcheck")[0]
    gr = grad_e["result"]
    np_runs = sorted(read("app-numpy-mnist"), key=lambda e: e["config"]["seed"])
    seeds = tuple(e["config"]["seed"] for e in np_runs)
    torch_runs = sorted((e for e in read("p2-a-sgd-lr") if e["config"]["lr"] == P2_BASELINE["lr"]
                         and e["config"]["seed"] in seeds), key=lambda e: e["config"]["seed"])
    diffs = np.array([np.array(history(a, "eval_acc")) - np.array(history(b, "eval_acc")[:NUMPY_EPOCHS])
                      for a, b in zip(np_runs, torch_runs)])
    return NumpyNet(
        h=grad_e["config"]["h"], max_rel_error=dict(gr["max_rel_error"]),
        dropout_net_params=dict(gr["checks"]["net_relu_dropout0.5_15-20-30-10"]),
        match_steps=gr["match"]["steps"], max_loss_gap=gr["match"]["max_loss_gap"],
        max_weight_gap=gr["match"]["max_weight_gap"], seeds=seeds,
        numpy_final=final_accs(np_runs),
        torch_final=tuple(acc_at(e, NUMPY_EPOCHS) for e in torch_runs),
        acc_diffs=tuple(diffs.ravel().tolist()),
        numpy_epoch_s=float(np.mean([np.mean(e["result"]["epoch_seconds"]) for e in np_runs])),
        numpy_total_s=sum(e["meta"]["seconds"] for e in np_runs),
        torch_run_s=float(np.mean([e["meta"]["seconds"] for e in torch_runs])),
        runs_in_batch=torch_runs[0]["result"]["runs_in_batch"], homework_loop_run_s=b["baseline_run_seconds"],
        engine_unbatched_s=engine[1]["run_seconds_30_epochs"],
        engine_batched_s=engine[b["best_K"]]["run_seconds_30_epochs"], engine_batched_k=b["best_K"],
        same_platform=all(e["meta"]["platform"] == b["machine"]["platform"] for e in np_runs),
        grad_entry=grad_e, numpy_entries=tuple(np_runs), torch_entries=tuple(torch_runs))


def gradcheck_markdown(n: NumpyNet) -> str:
    """The gradient-check table with its errors in scientific notation."""
    from hw7.present import fmt

    t = gradcheck_table(n.grad_entry)
    t["check"] = [check_label(c) for c in t["check"]]
    t["gradients compared"] = [param_label(g) for g in t["gradients compared"]]
    t["max relative error"] = [fmt.sci(v, 2) for v in t["max relative error"]]
    return t.to_markdown(index=False, disable_numparse=True)


#: how the gradient checks read in the table (the cache names them by code identifiers)
CHECK_LABELS = {"linear": "linear layer", "relu": "ReLU", "sigmoid": "sigmoid", "softmax_ce": "softmax cross-entropy",
                "net_relu_15-20-30-10": "ReLU network 15–20–30–10",
                "net_relu_dropout0.5_15-20-30-10": "ReLU network 15–20–30–10, dropout p = 0.5",
                "net_sigmoid_4-30-7": "sigmoid network 4–30–7"}


def check_label(check: str) -> str:
    """``dropout_p0.5`` -> ``dropout p = 0.5``; the others from :data:`CHECK_LABELS`."""
    if check.startswith("dropout_p"):
        return f"dropout p = {check.removeprefix('dropout_p')}"
    return CHECK_LABELS.get(check, check.replace("_", " "))


def param_label(names: str) -> str:
    """``layer3.W, layer3.b`` -> ``W₃, b₃``: parameter names as the prose writes them."""
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    out = []
    for name in names.split(", "):
        layer, _, kind = name.partition(".")
        out.append(f"{kind}{layer.removeprefix('layer').translate(sub)}" if kind else name)
    return ", ".join(out)
