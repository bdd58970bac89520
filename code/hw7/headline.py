"""The preface's "question → our answer" table, read from ``cache/summary.json`` and the findings.

One row per homework question, answered with the headline numbers the chapters cite. Problem 1's
words that compare (which optimizer wins, whether a run diverged) are chosen here from the numbers,
with the rule stated next to each, so they cannot drift from the cache. Where an answer needs more
than a headline number (a tie needs every seed, a comparison its p-value), it comes from the
chapter's findings (:mod:`hw7.findings`), so the table and the chapter cannot disagree. Problem 3's
rows give plain numbers and p-values, no verdict words.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from hw7.findings import depth as depth_findings
from hw7.findings import p1 as p1_findings
from hw7.findings import p2 as p2_findings
from hw7.findings import p3 as p3_findings
from hw7.findings import records, source
from hw7.mnist.experiments import P2_BASELINE
from hw7.present import fmt
from hw7.problem1.experiments import P1_INIT
from hw7.problem1.optimizers import label


def _best(values: Mapping[str, Any], prefix: str, opts: list[str], *, smaller: bool = True) -> str:
    """The optimizer whose ``prefix.<opt>`` value is smallest (or largest); missing/None values lose."""
    finite = {o: v for o in opts if (v := values.get(f"{prefix}.{o}")) is not None}
    return (min if smaller else max)(finite, key=finite.__getitem__)


def _num(x: float) -> str:
    """A ratio or distance: plainly near 1, in powers of ten otherwise."""
    return f"{x:.3g}" if 1e-2 <= abs(x) < 1e3 else fmt.sci_tex(x)


def _acc(values: Mapping[str, Any], key: str) -> str:
    """``98.36 % ± 0.05`` from ``key.mean`` / ``key.sd``; the mean alone without an sd."""
    mean, sd = values[f"{key}.mean"], values.get(f"{key}.sd")
    return fmt.pct(mean) + (f" ± {100 * sd:.2f}" if sd is not None else "")


def _rates(rates: tuple[float, ...]) -> str:
    """``10⁻², 3.0 × 10⁻² and 10⁻¹``: learning rates as a list."""
    names = [fmt.lr_tex(r) for r in sorted(rates)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _best_rate(sweep: p2_findings.Sweep) -> str:
    """The best rate of a sweep, or the tie the rule cannot break, with the top mean."""
    best = sweep.best
    if not best.is_tie:
        return f"{fmt.lr_tex(best.top)}: {fmt.pct(sweep.top.mean)}"
    return f"a tie of {_rates(best.tied)} ({fmt.pct(sweep.top.mean)} at {fmt.lr_tex(best.top)}, the highest mean)"


def _depths(d: depth_findings.Depth) -> str:
    """The depth search's ties at each budget, by the chapter's rule: paired by seed, Holm-corrected over
    the depths against the highest mean (stats.best_paired)."""
    def budget(b: depth_findings.Budget) -> str:
        tie = "all six tie" if b.tied == d.depths else "tie of " + _and(b.tied)
        return f"≈{b.budget // 1000}k parameters: {tie} ({b.best} layers highest, {fmt.pct(b.top.val.mean)})"
    return "; ".join(budget(b) for b in (d.large, d.small)) + " (paired, Holm)"


def _and(items: Any) -> str:
    """``1, 2 and 3``; a run of three or more consecutive integers as ``1–5``."""
    xs = list(items)
    if len(xs) > 2 and all(isinstance(x, int) for x in xs) and xs == list(range(xs[0], xs[0] + len(xs))):
        return f"{xs[0]}–{xs[-1]}"
    return str(xs[0]) if len(xs) == 1 else ", ".join(map(str, xs[:-1])) + " and " + str(xs[-1])


def _schedule(x: Any) -> str:
    """Why an expanded net's gain is not the distortions' alone, where its schedule changed too."""
    if x.same_schedule:
        return ""
    def plan(epochs: int, step: int | None) -> str:
        return f"{epochs} epochs" + (f" with the rate cut tenfold every {step}" if step else " at a constant rate")
    return (f", trained {plan(x.final_epochs, x.final_step)} where 2(c) trains {plan(x.control_epochs, x.control_step)}:"
            " the gain mixes the distortions and the schedule")


def _record(r: records.Record) -> str:
    """A long run on distorted data: its test accuracy, the target, and its control (the same net,
    schedule and epochs on the original images) with the paired difference over their shared seeds, its
    95 % interval and p-value, no verdict words."""
    first = "" if r.first is None else f"; the {r.first.epochs}-epoch run tested first: {fmt.pm(r.first.acc)}"
    v = r.vs_control
    return (f"{fmt.pm(r.final.acc)} ({r.final.acc.n} seeds){first}; the same training without distortions: "
            f"{fmt.pm(r.control.acc)}; distorted − original, paired over {v.n} seeds: {v.interval(100)} points "
            f"({v.p_text})")


def _record_question(r: records.Record, net: str) -> str:
    chosen = "" if r.first is None else f", the length chosen on validation after a {r.first.epochs}-epoch run"
    return f"{net} trained {r.final.epochs} epochs (cosine rate{chosen}) on distorted data?"


def answers(values: Mapping[str, Any], p2: p2_findings.P2 | None = None) -> pd.DataFrame:
    """Rows ``(part, question, our answer)`` for Problems 1–3, from a summary.json mapping and the
    Problem 2 findings (loaded from the cache when not given)."""
    rows = _p1_rows(values) + _p2_rows(values, p2 or p2_findings.load()) + _p3_rows(values)
    return pd.DataFrame(rows, columns=["part", "question", "our answer"])


Row = tuple[str, str, str]


def _adam(experiment: str) -> dict[str, Any]:
    """The Adam run of a Problem 1 experiment: its result (final distance, tail range, first steps below)."""
    return next(e["result"] for e in source.entries(experiment) if e["config"]["optimizer"] == "adam")


def _wander(r: Mapping[str, Any]) -> str:
    """Adam's distance over its last 10 % of steps: it keeps moving, so one final iterate would be a sample."""
    return f"{fmt.sci_tex(r['tail_dist_min'])} to {fmt.sci_tex(r['tail_dist_max'])} over its last 10 % of steps"


def _p1_rows(v: Mapping[str, Any]) -> list[Row]:
    """Problem 1: which optimizer ends closest, which diverges, what Adam's large rate trades."""
    rows: list[Row] = []
    valley = p1_findings._valley((P1_INIT[0], P1_INIT[1]))
    rows.append(("1(a)", "The contour plot: why is the valley hard for gradient methods?",
                 f"A narrow curved valley along $y = x^2$: at the minimum the Hessian’s eigenvalues are "
                 f"{valley.lam_max_star:.0f} across it and {valley.lam_min_star:.2f} along it "
                 f"(ratio {valley.conditioning:,.0f})"))
    opts = ["gd", "momentum"]  # converge to a point; Adam (below) keeps wandering
    best_b = _best(v, "p1.b.final_dist", opts)
    rows.append(("1(b)", r"Gradient descent, momentum and Adam at $\kappa = 10^{-4}$: which gets closest to (1, 1)?",
                 f"{label(best_b)}: distance {fmt.sci_tex(v[f'p1.b.final_dist.{best_b}'])} after $10^5$ steps ("
                 + ", ".join(f"{label(o)} {fmt.sci_tex(v[f'p1.b.final_dist.{o}'])}" for o in opts if o != best_b)
                 + f"; Adam {_wander(_adam('p1-b'))})"))

    diverged = {o: v[f"p1.c.diverged_step.{o}"] for o in ("momentum", "adam")}
    parts = []
    for o, step in diverged.items():
        parts.append(f"{label(o)} diverges (step {step})" if step >= 0
                     else f"{label(o)} does not diverge" + (f": {_wander(_adam('p1-c'))}" if o == "adam" else
                                                            f" and ends {fmt.sci_tex(v[f'p1.c.final_dist.{o}'])} from (1, 1)"))
    rows.append(("1(c)", r"Momentum and Adam at $\kappa = 10^{-3}$: which copes with the larger rate?", "; ".join(parts)))

    d = _adam("p1-d")
    momentum = next(e["result"] for e in source.entries("p1-d") if e["config"]["optimizer"] == "momentum")
    first = {"Adam": d["first_step_below"]["1e-2"], "momentum": momentum["first_step_below"]["1e-2"]}
    rows.append(("1(d)", r"Adam at $\kappa = 10^{-2}$ against momentum at $\kappa = 10^{-4}$: the trade-offs?",
                 f"Adam is within $10^{{-2}}$ of (1, 1) at step {fmt.steps(first['Adam'])} against momentum’s "
                 f"{fmt.steps(first['momentum'])}, but then wanders ({_wander(d)}); momentum converges to "
                 f"{fmt.sci_tex(v['p1.d.final_dist.momentum'])}"))
    return rows


def _p2_rows(v: Mapping[str, Any], p2: p2_findings.P2) -> list[Row]:
    """Problem 2: the baseline, the best rates (or their ties), the best shallow nets."""
    rows: list[Row] = []
    rows.append(("2(a)", "The homework’s shallow net: accuracy, and the best SGD learning rate?",
                 f"{_acc(v, 'p2.a.baseline.test_acc')} at {fmt.lr_tex(P2_BASELINE['lr'])}; best rate: {_best_rate(p2.a.sgd)}"))
    rows.append(("2(b)", "Adam over the same rates: its best rate?", f"Best rate: {_best_rate(p2.b.adam)}"))
    rows.append(("2(c)", f"The best network with one hidden layer (test accuracy, {p2.c.final.n} seeds)?",
                 f"{_acc(v, 'p2.c.best.test_acc')} ({v['p2.c.best.params']:,} parameters)"))
    rows.append(("2(c)+", "Beyond the homework’s knobs: the same net trained on distorted (expanded) data?",
                 f"{_acc(v, 'p2.c.expanded.test_acc')} ({v['p2.c.expanded.params']:,} parameters)" + _schedule(p2.x)))
    rows.append(("2(c)++", _record_question(p2.record, f"One hidden layer of {p2.record.final.sizes[1]}, no dropout,"),
                 _record(p2.record)))
    return rows


def _p3_rows(v: Mapping[str, Any]) -> list[Row]:
    """Problem 3: the gradient ratios, the deep nets against the shallow ones, depth, the long runs."""
    rows: list[Row] = []
    rows.append(("3(a)", "Deep sigmoid net (8 × 30): gradient ratio, and does it train?",
                 f"ratio {fmt.sci_tex(v['p3.a.sigmoid.grad_ratio.epoch1'])} in epoch 1; test accuracy "
                 f"{fmt.pct(v['p3.a.sigmoid.test_acc.mean'])} (chance: 10 %)"))
    b3 = p3_findings._part_b(p3_findings._deep("relu", source.entries("p3-b-relu-deep")))
    rows.append(("3(b)", "The same net with ReLU + Kaiming, against the best shallow net?",
                 f"ratio {fmt.num(v['p3.b.relu.grad_ratio.epoch1'], 1)} in epoch 1; test accuracy "
                 f"{fmt.pm(b3.relu.finals[P2_BASELINE['lr']])}; best shallow net of 2(c): {fmt.pm(b3.p2_best)} "
                 f"({b3.vs_p2_best.p_text})"))
    c3 = p3_findings._part_c()
    rows.append(("3(c)", f"The best deep dense network (test accuracy, {c3.final.n} seeds): can it improve upon the "
                         "best shallow net, and upon one hidden layer trained the same way?",
                 f"{_acc(v, 'p3.c.best.test_acc')} ({v['p3.c.best.params']:,} parameters); best shallow net of "
                 f"2(c): {fmt.pm(c3.p2_best)} ({c3.vs_p2.p_text}); one hidden layer with the same recipe: "
                 f"{_acc(v, 'p3.c.shallow_same_recipe.test_acc')} ({c3.deep_vs_recipe.p_text})"))
    d = depth_findings.load()
    rows.append(("3(c) depth", "At a fixed number of parameters, how many hidden layers (1–6)? (validation)",
                 f"{_depths(d)}; 4× the parameters adds "
                 f"{fmt.pts(d.min_budget_gain, sign=False)}–{fmt.pts(d.max_budget_gain, sign=False)} points "
                 f"at every depth (paired, Holm {fmt.p_at_most(d.max_budget_p)})"))
    rows.append(("3(c)+", "Beyond the homework’s knobs: the deep net trained on distorted (expanded) data?",
                 f"{_acc(v, 'p3.c.expanded.test_acc')} ({v['p3.c.expanded.params']:,} parameters)"))
    deep = records.deep()
    rows.append(("3(c)++", _record_question(deep, f"The deep net ({deep.final.widths})"), _record(deep)))
    return rows


#: relative column widths of the answer table (part, question, answer), as pipe-table dashes
ANSWER_WIDTHS = (8, 46, 46)


def table() -> Any:
    """The preface's answer table as Markdown, from the committed summary and findings."""
    from IPython.display import Markdown

    return Markdown(pipe_table(answers(source.summary_values()), ANSWER_WIDTHS))


def pipe_table(df: pd.DataFrame, widths: tuple[int, ...]) -> str:
    """A markdown pipe table whose separator dashes set the relative column widths (pandoc reads
    them for both the HTML and the PDF table), instead of widths guessed from the longest cell."""
    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(map(cell, df.columns)) + " |",
             "|" + "|".join(":" + "-" * (w - 1) for w in widths) + "|"]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


#: relative column widths of the full metric table (metric, value, meaning), as pipe-table dashes:
#: pandoc turns them into the column widths of both the HTML and the PDF table
METRIC_WIDTHS = (40, 12, 48)
#: a line-break opportunity for the PDF only: raw typst, which the HTML output drops
_TYPST_BREAK = "`\u200b`{=typst}"
_ORDER = ["p1", "p2", "p3", "app", "perf"]  # problems first, then appendices and speed


def metric_table(values: Mapping[str, Any], describe, describe_value, *, breakable: bool = True) -> str:
    """Every metric of summary.json as a markdown pipe table with fixed relative widths.

    ``breakable`` puts a typst-only zero-width space after each dot of a metric name, so that the PDF
    may wrap a long name (typst breaks no line inside ``p1.sweep.smallest_diverging_lr.momentum``, which
    then overprints the next column); the HTML keeps the names intact for copying.
    """
    def rank(name: str) -> tuple[int, str]:
        prefix = name.split(".")[0]
        return (_ORDER.index(prefix) if prefix in _ORDER else len(_ORDER), name)

    names = sorted(values, key=rank)
    rows = pd.DataFrame({"metric": [n.replace(".", "." + _TYPST_BREAK) if breakable else n for n in names],
                         "value": [describe_value(n, values[n]) for n in names],
                         "meaning": [describe(n) for n in names]})
    return pipe_table(rows, METRIC_WIDTHS)
