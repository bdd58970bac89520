"""When two numbers agree: the tolerance rules behind ``python -m hw7 diff`` (and ``verify``).

A *result set* is either a headline summary (``cache/summary.json``: a flat map of dotted metric
names to numbers or null) or a cache folder (one entry per run, matched by run key; each entry's
``result`` is flattened into fields such as ``final_dist``, ``first_step_below.1e-2`` or
``eval_acc``, a list compared element by element).

Two values agree when ``|a - b| <= atol + rtol * max(|a|, |b|)``. The tolerance is chosen per
metric by its name (first matching rule of :data:`DIFF_RULES`; see ``docs/instructors.md``):

======================  ==================================================  ==========================
rule                    names                                               tolerance
======================  ==================================================  ==========================
perf                    ``perf.*``, ``*seconds*``                           ignored (``--include-perf``: rtol 0.5)
provenance              ``device``, ``runs_in_batch`` (entries only)        ignored: how, not what
accuracy                ``*acc*``                                           atol 1e-3 (10 of 10,000 images)
distance/error          ``*dist*``, ``*loss*``, ``*err*``, ``*ratio*``,     rtol 1e-6, no atol: they span
                        ``*norm*``, ``f``, ``*_f``                          decades, so compare on a log scale
learning rate           ``*lr*``                                            exact (a choice from a grid)
count/step              ``*step*``, ``*epoch*``, ``*params*``, ``*count*``  exact
default                 anything else                                       rtol 1e-6, atol 1e-12 (ints: exact)
======================  ==================================================  ==========================

Always: null (or NaN) against a number is a difference; null = null, NaN = NaN and inf = inf
(same sign) agree; strings and booleans must be equal; a metric on one side only is a difference.
Explicit ``atol``/``rtol`` replace every rule's numbers (the other one then defaults to 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from hw7.errors import Hw7Error

# ------------------------------------------------------------------------------------------------
# Tolerance rules


@dataclass(frozen=True)
class Rule:
    name: str
    patterns: tuple[str, ...]
    atol: float = 0.0
    rtol: float = 0.0
    exact: bool = False
    ignored: bool = False  # "perf" rules can be switched on; "provenance" never is

    def matches(self, metric: str) -> bool:
        last = metric.rsplit(".", 1)[-1]
        return any(fnmatchcase(metric, p) or fnmatchcase(last, p) for p in self.patterns)


PERF = Rule("perf", ("perf.*", "*seconds*"), rtol=0.5, ignored=True)
PROVENANCE = Rule("provenance", ("device", "runs_in_batch"), ignored=True)
#: A run's predicted test labels (a string of digits): at most 10 of 10,000 may differ, as for accuracies.
PREDICTIONS = Rule("predictions", ("predictions",), atol=1e-3)
#: Images per predicted class and epoch: rounding may move as many images as the accuracy rule allows.
CLASS_COUNTS = Rule("class counts", ("pred_counts*",), atol=10)
#: Result fields that runs record only since they were added: a run cached before then lacks them, and
#: their absence on one side is not a difference (both sides having them are compared as usual).
RECORDED_LATER = ("predictions", "pred_counts", "input_norms", "data_fingerprint")


def recorded_later(metric: str) -> bool:
    return metric.rsplit(".", 1)[-1].split("[", 1)[0] in RECORDED_LATER

#: ``hw7 diff``: a faithful rerun must reproduce the headline numbers to these tolerances.
DIFF_RULES: tuple[Rule, ...] = (
    PERF,
    PROVENANCE,
    PREDICTIONS,
    CLASS_COUNTS,
    Rule("accuracy", ("*acc*",), atol=1e-3),
    Rule("distance/error", ("*dist*", "*loss*", "*err*", "*ratio*", "*norm*", "f", "*_f"), rtol=1e-6),
    Rule("learning rate", ("*lr*",), exact=True),
    Rule("count/step", ("*step*", "*epoch*", "*params*", "*count*"), exact=True),
    Rule("default", ("*",), atol=1e-12, rtol=1e-6),
)

#: ``hw7 verify`` when bit-identity is not expected (other library versions or device, or another
#: batch composition): thousands of float32 steps amplify rounding differences, so floats get
#: rtol 1e-3; accuracies keep atol 1e-3; counts (steps, divergence epochs, parameters) stay exact.
RECOMPUTE_RULES: tuple[Rule, ...] = (
    PERF,
    PROVENANCE,
    PREDICTIONS,
    CLASS_COUNTS,
    Rule("accuracy", ("*acc*",), atol=1e-3),
    Rule("learning rate", ("*lr*",), exact=True),
    Rule("count/step", ("*step*", "*epoch", "*epochs", "diverged_epoch", "*params*", "*count*"), exact=True),
    Rule("float", ("*",), atol=1e-9, rtol=1e-3),
)


@dataclass(frozen=True)
class Tolerance:
    """Which rule applies to a metric, with the command line's overrides."""

    rules: tuple[Rule, ...] = DIFF_RULES
    atol: float | None = None
    rtol: float | None = None
    include_perf: bool = False
    exact: bool = False  # bit-identity for everything not ignored (verify on the same machine)

    def __post_init__(self) -> None:
        for name in ("atol", "rtol"):
            value = getattr(self, name)
            if value is not None and not (value >= 0 and math.isfinite(value)):
                raise Hw7Error(f"--{name} must be a finite number >= 0, got {value}")

    def rule(self, metric: str) -> Rule:
        return next((r for r in self.rules if r.matches(metric)), Rule("default", ("*",), atol=1e-12, rtol=1e-6))

    def ignored(self, metric: str) -> bool:
        rule = self.rule(metric)
        return rule.ignored and not (self.include_perf and rule is PERF)

    def bounds(self, metric: str) -> tuple[float, float, bool, str]:
        """(atol, rtol, exact, description) for ``metric``."""
        rule = self.rule(metric)
        if self.exact:
            return 0.0, 0.0, True, "bit-identical"
        if self.atol is not None or self.rtol is not None:
            atol, rtol = self.atol or 0.0, self.rtol or 0.0
            return atol, rtol, atol == 0 and rtol == 0, _describe(atol, rtol, atol == 0 and rtol == 0, "given")
        return rule.atol, rule.rtol, rule.exact, _describe(rule.atol, rule.rtol, rule.exact, rule.name)


def _describe(atol: float, rtol: float, exact: bool, name: str) -> str:
    if exact:
        return f"exact ({name})"
    parts = ([f"atol {atol:g}"] if atol else []) + ([f"rtol {rtol:g}"] if rtol else [])
    return f"{' + '.join(parts)} ({name})"


# ------------------------------------------------------------------------------------------------
# Comparing values


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _scalar_equal(a: Any, b: Any, atol: float, rtol: float, exact: bool) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if not (is_number(a) and is_number(b)):
        return type(a) is type(b) and a == b
    fa, fb = float(a), float(b)
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    if exact or (isinstance(a, int) and isinstance(b, int) and atol == 0 and rtol == 0):
        return fa == fb
    if isinstance(a, int) and isinstance(b, int) and atol < 1:
        return a == b  # counts: a relative tolerance never excuses an off-by-one
    return abs(fa - fb) <= atol + rtol * max(abs(fa), abs(fb))


def _deltas(a: Any, b: Any) -> tuple[float | None, float | None]:
    if not (is_number(a) and is_number(b)):
        return None, None
    fa, fb = float(a), float(b)
    if not (math.isfinite(fa) and math.isfinite(fb)):
        return None, None
    d = abs(fa - fb)
    scale = max(abs(fa), abs(fb))
    return d, (d / scale if scale else 0.0)


@dataclass
class Series:
    """A list field of an entry (a history, a trajectory), flattened row-major."""

    values: list[Any]
    shape: tuple[int, ...]


@dataclass
class Difference:
    metric: str
    a: Any
    b: Any
    tolerance: str
    abs_diff: float | None = None
    rel_diff: float | None = None
    detail: str = ""


def compare_values(metric: str, a: Any, b: Any, tol: Tolerance) -> tuple[Difference | None, int]:
    """The difference between two values of one metric (None if within tolerance), and how many numbers were compared."""
    atol, rtol, exact, desc = tol.bounds(metric)
    if isinstance(a, Series) or isinstance(b, Series):
        if not (isinstance(a, Series) and isinstance(b, Series)):
            return Difference(metric, brief(a), brief(b), desc, detail="a list on one side only"), 1
        if a.shape != b.shape:
            return Difference(metric, brief(a), brief(b), desc, detail=f"shape {a.shape} vs {b.shape}"), 1
        bad = [i for i, (x, y) in enumerate(zip(a.values, b.values)) if not _scalar_equal(x, y, atol, rtol, exact)]
        if not bad:
            return None, len(a.values)

        def badness(i: int) -> float:
            d, _ = _deltas(a.values[i], b.values[i])
            return math.inf if d is None else d

        worst = max(bad, key=badness)
        d, r = _deltas(a.values[worst], b.values[worst])
        where = _index(worst, a.shape)
        return Difference(f"{metric}{where}", a.values[worst], b.values[worst], desc, d, r,
                          detail=f"{len(bad)} of {len(a.values)} elements differ "
                                 f"(largest shown; first at {_index(bad[0], a.shape)})"), len(a.values)
    if isinstance(a, str) and isinstance(b, str) and len(a) == len(b) and tol.rule(metric) is PREDICTIONS:
        return _compare_labels(metric, a, b, atol, exact, desc), len(a)
    if _scalar_equal(a, b, atol, rtol, exact):
        return None, 1
    d, r = _deltas(a, b)
    return Difference(metric, a, b, desc, d, r), 1


def _index(flat: int, shape: tuple[int, ...]) -> str:
    idx = []
    for n in reversed(shape):
        idx.append(flat % n if n else 0)
        flat //= n if n else 1
    return "[" + "][".join(map(str, reversed(idx))) + "]"


def brief(v: Any) -> Any:
    return f"list{list(v.shape)}" if isinstance(v, Series) else v


def _compare_labels(metric: str, a: str, b: str, atol: float, exact: bool, desc: str) -> Difference | None:
    """Two runs' predicted labels agree when the share of images labelled differently is within ``atol``."""
    bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    share = len(bad) / len(a) if a else 0.0
    if not bad or (not exact and share <= atol):
        return None
    return Difference(metric, f"{len(a)} labels", f"{len(b)} labels", desc, float(len(bad)), share,
                      detail=f"{len(bad)} of {len(a)} labels differ (first at image {bad[0]})")
