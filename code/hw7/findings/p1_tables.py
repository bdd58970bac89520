"""Chapter 1's tables as Markdown, from its findings (:mod:`hw7.findings.p1`)."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from hw7.findings.p1_runs import Run, Variants
from hw7.findings.p1_sweep import Limits
from hw7.present import fmt
from hw7.problem1.experiments import P1_ADAM_VARIANTS
from hw7.problem1.figures import ADAM_VARIANT_LABELS, run_label


def _markdown(rows: list[dict[str, str]]) -> str:
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def speed(runs: Iterable[Run]) -> str:
    """First step within each distance of (1, 1), the final distance and its range over the last 10 %."""
    return _markdown([{
        "run": run_label(r.entry, short=False),
        **{f"first step within {fmt.lr(float(tol))}": fmt.steps(n) for tol, n in r.first_below.items()},
        "final distance": fmt.sci(r.final_dist),
        "last 10 %: min – max": f"{fmt.sci(r.tail_dist_min)} – {fmt.sci(r.tail_dist_max)}",
    } for r in runs])


def adam_variants(v: Variants) -> str:
    """The homework's Adam and its variants at both rates: final distance, late distance and step length."""
    rows = []
    for lr in (v.rate_b, v.rate_d):
        for name in P1_ADAM_VARIANTS:
            r = v.run(lr, name)
            rows.append({"κ": fmt.lr(lr), "variant": ADAM_VARIANT_LABELS[name],
                         "first step within 10⁻²": fmt.steps(r.first_below["1e-2"]),
                         "final distance": fmt.sci(r.final_dist),
                         "last 10 %: distance median": fmt.sci(r.tail_dist_median),
                         "last 10 %: distance min – max": f"{fmt.sci(r.tail_dist_min)} – {fmt.sci(r.tail_dist_max)}",
                         "last 10 %: step median (in κ)": f"{fmt.sci(r.tail_step_median)} ({_k(r.tail_step_median_k)})",
                         "last 10 %: step max (in κ)": f"{fmt.sci(r.tail_step_max)} ({_k(r.tail_step_max_k)})"})
    return _markdown(rows)


def _k(value: float) -> str:
    """A step as a multiple of κ, two significant digits: ``0.40``, ``0.045``, ``4.9 × 10⁻⁶``."""
    return f"{value:#.2g}" if value >= 1e-3 else fmt.sci(value, 2)


def limits(lim: Limits, steps: int = 4) -> str:
    """The first steps of the runs around each divergence limit: where they land (x) and kappa * lambda_max."""
    rows = []
    for r in lim.table_runs:
        xy = r.xy
        row = {"run": run_label(r.entry, short=False)}
        for t in range(steps):
            row[f"step {t}: x, κλmax"] = f"{fmt.plain(xy[t, 0])}, {fmt.plain(r.kl(t))}" if t < len(xy) else "—"
        row["diverged at step"] = fmt.steps(r.diverged_step)
        rows.append(row)
    return _markdown(rows)
