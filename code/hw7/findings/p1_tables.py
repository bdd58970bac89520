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
    """First step within each distance of (1, 1), the final distance and its range over the last 10 %.
    Numbers are math, so a cell never breaks inside one."""
    return _markdown([{
        "run": r.label, "$\\kappa$": fmt.lr_tex(r.lr),
        **{f"within {fmt.lr_tex(float(tol))}": fmt.steps(n) for tol, n in r.first_below.items()},
        "final distance": fmt.sci_tex(r.final_dist),
        "last 10 %: min": fmt.sci_tex(r.tail_dist_min), "max": fmt.sci_tex(r.tail_dist_max),
    } for r in runs])


def adam_variants(v: Variants) -> str:
    """The homework's Adam and its variants at both rates: final distance, late distance and step length."""
    rows = []
    for lr in (v.rate_b, v.rate_d):
        for name in P1_ADAM_VARIANTS:
            r = v.run(lr, name)
            rows.append({"$\\kappa$": fmt.lr_tex(lr), "variant": ADAM_VARIANT_LABELS[name],
                         "within $10^{-2}$": fmt.steps(r.first_below["1e-2"]),
                         "final distance": fmt.sci_tex(r.final_dist),
                         "last 10 %: distance median": fmt.sci_tex(r.tail_dist_median),
                         "min – max": f"{fmt.sci_tex(r.tail_dist_min)} – {fmt.sci_tex(r.tail_dist_max)}",
                         "step median (in $\\kappa$)": _k(r.tail_step_median_k),
                         "step max (in $\\kappa$)": _k(r.tail_step_max_k)})
    return _markdown(rows)


def _k(value: float) -> str:
    """A step as a multiple of κ, two significant digits: ``0.40``, ``0.045``, ``$4.9 \\times 10^{-6}$``."""
    return f"{value:#.2g}" if value >= 1e-3 else fmt.sci_tex(value, 2)


def limits(lim: Limits, steps: int = 4) -> str:
    """The first steps of the runs around each divergence limit: where they land (x) and kappa * lambda_max."""
    rows = []
    for r in lim.table_runs:
        xy = r.xy
        row = {"run": run_label(r.entry, short=False)}
        for t in range(steps):
            row[f"step {t}: $x$, $\\kappa\\lambda_{{\\max}}$"] = (
                f"{_plain(xy[t, 0])}, {_plain(r.kl(t))}" if t < len(xy) else "—")
        row["diverged at step"] = fmt.steps(r.diverged_step)
        rows.append(row)
    return _markdown(rows)


def _plain(value: float) -> str:
    """:func:`fmt.plain`, its powers as math."""
    text = fmt.plain(value)
    return text if "×" not in text else ("\u2212" if value < 0 else "") + fmt.sci_tex(abs(value))
