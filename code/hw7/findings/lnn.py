"""What appendix B (deep narrow linear networks) says, computed once from the cache as frozen, typed findings.

The appendix loads them with ``lnn.load()``; ``tests/test_claims_readings.py`` checks every
comparative or universal sentence against the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from hw7.entry import Entry
from hw7.findings import source
from hw7.readings.experiments import LNN_INIT, LNN_INIT_DEPTH, LNN_INIT_LR
from hw7.readings.figures import lnn_stability_limit


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


def load() -> Lnn:
    """Every finding of appendix B, from the committed cache."""
    read = source.entries
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


def markdown(n: Lnn) -> str:
    """Fastest rate per depth, its learning time, and the predicted stability limit."""
    return pd.DataFrame({
        "depth D": n.search_depths,
        "fastest η": [f"{n.best_lr[d]:.3f}" for d in n.search_depths],
        "learning time (epochs)": [n.best_time[d] for d in n.search_depths],
        "stability limit": [f"{n.limit[d]:.3f}" for d in n.search_depths],
        "fastest / limit": [f"{n.ratio[d]:.2f}" for d in n.search_depths],
    }).to_markdown(index=False, disable_numparse=True)
