"""The report's statistics: one rule set, stated once in the preface and implemented here.

- **Seeds against seeds, different seed sets**: Welch's t-test, two-sided, at the 5 % level (:func:`welch`,
  :func:`compare`). Settings that share seeds are paired instead (below); ``tests/test_paired_rule.py``
  lists every place the findings still call :func:`compare` and why.
- **One run against a seed band**: a prediction interval for a new run from the band's mean and sd
  (t with n - 1 degrees of freedom, scale s * sqrt(1 + 1/n); :func:`prediction`). A single run is
  itself noisy, so it is judged against where a new seed would land, not against the band's mean.
- **One control against several variants**: the p-values are corrected by Holm's step-down method
  (:func:`holm`, :func:`against_control`), so six tries at 5 % do not yield a "gain" by luck.
- **Settings that share seeds**: the per-seed differences, reported as the mean difference with its 95 %
  confidence interval and a paired t-test (:func:`paired`); a family of such comparisons against one
  control is Holm-corrected (:func:`paired_against_control`).
- **Two nets' predictions on the same test images**: McNemar's exact test (:func:`mcnemar`).
- **"Best"**: the setting with the highest mean, together with every setting the rule cannot
  separate from it (:func:`best_paired`: paired, Holm-corrected over the comparisons with the top;
  :func:`best` for unpaired seeds); when there are several, the chapter reports a tie naming them.

Chapters write their sentences by hand; tests assert on the same numbers that each sentence still
holds. scipy is not among the project's dependencies, so the t distribution's CDF is computed here
from the regularised incomplete beta function (a continued fraction, as in Numerical Recipes); the
tests check it against published table values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, Hashable, Iterable, Mapping, Sequence, TypeVar

#: A no-break space as the chapters write it. Quarto inserts an inline value through its repr, which
#: escapes U+00A0 as the four characters ``\xa0``; the HTML entity is plain ASCII, and pandoc turns it
#: into a no-break space in both the HTML and the PDF.
NBSP = "&nbsp;"

#: The significance level of every comparison in the report.
ALPHA: float = 0.05
#: How the rule is stated to readers (the preface quotes it).
RULE: str = "the paired t-test at the 5 % level over the shared seeds"

K = TypeVar("K", bound=Hashable)


# ------------------------------------------------------------------------------------------------
# The t distribution


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must be in [0, 1], got {x}")
    if x in (0.0, 1.0):
        return x
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` (real, > 0) degrees of freedom."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    if math.isinf(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


# ------------------------------------------------------------------------------------------------
# Welch's test and the verdict


@dataclass(frozen=True)
class Welch:
    t: float
    df: float
    p: float


def _mean_var(values: Sequence[float]) -> tuple[float, float, int]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, var, n


def welch(a: Iterable[float], b: Iterable[float]) -> Welch:
    """Welch's two-sample t-test (two-sided). Needs at least two finite values per group.

    Two groups without any spread are decided exactly: equal means give p = 1, different means p = 0.
    """
    xa, xb = [float(v) for v in a], [float(v) for v in b]
    if len(xa) < 2 or len(xb) < 2:
        raise ValueError(f"Welch's test needs >= 2 values per group, got {len(xa)} and {len(xb)}")
    if not all(math.isfinite(v) for v in xa + xb):
        raise ValueError("Welch's test needs finite values (a diverged run is reported, not averaged)")
    ma, va, na = _mean_var(xa)
    mb, vb, nb = _mean_var(xb)
    se2 = va / na + vb / nb
    if se2 == 0.0:
        same = ma == mb
        return Welch(t=0.0 if same else math.copysign(math.inf, ma - mb), df=float(na + nb - 2), p=1.0 if same else 0.0)
    t = (ma - mb) / math.sqrt(se2)
    df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    return Welch(t=t, df=df, p=t_two_sided_p(t, df))


@dataclass(frozen=True)
class Verdict:
    """How a compares with b under the report's rule.

    ``sign`` is +1 when a is significantly better (higher, or lower when lower is better), -1 when
    significantly worse, 0 when the difference is within noise. ``p_text`` prints the p-value that
    decided (Holm-corrected where several variants met one control).
    """

    mean_a: float
    mean_b: float
    p: float
    sign: int
    #: the uncorrected p-value where ``p`` was corrected for several comparisons (else equal to ``p``)
    p_raw: float | None = None

    @property
    def diff(self) -> float:
        return self.mean_a - self.mean_b

    @property
    def significant(self) -> bool:
        return self.sign != 0

    def pick(self, better: str, same: str, worse: str) -> str:
        """The word for this verdict, from three the sentence supplies."""
        return better if self.sign > 0 else worse if self.sign < 0 else same

    @property
    def word(self) -> str:
        """'beats', 'is within noise of' or 'falls below' (a verb phrase: 'A <word> B')."""
        return self.pick("beats", "is within noise of", "falls below")

    @property
    def p_text(self) -> str:
        """The p-value as the report prints it (:func:`p_text`)."""
        return p_text(self.p)

    @property
    def p_raw_text(self) -> str:
        """The uncorrected p-value, printed the same way."""
        return p_text(self.p if self.p_raw is None else self.p_raw)


def p_value(p: float) -> str:
    """``< 0.001``, ``0.045``, ``0.12``: a p-value for a table cell, with three decimals below 0.1 so
    that a value near the 5 % level shows on which side of it it lies."""
    if p < 0.001:
        return "< 0.001"
    text = f"{p:.3f}" if p < 0.1 else f"{p:.2f}"
    return "0.10" if text == "0.100" else text


def p_text(p: float) -> str:
    """``p < 0.001``, ``p = 0.003``, ``p = 0.12``: a p-value in prose, with no-break spaces so that a
    line never breaks inside it."""
    value = p_value(p).replace(" ", NBSP)
    return f"p{NBSP}{value}" if value.startswith("<") else f"p{NBSP}={NBSP}{value}"


@dataclass(frozen=True)
class Prediction:
    """A single run against a seed band: the test statistic, its p-value and the band's 95 % interval
    for a new run (``low``, ``high``): where the run would have to fall to count as unremarkable."""

    t: float
    df: float
    p: float
    low: float
    high: float


def t_quantile(q: float, df: float) -> float:
    """The ``q`` quantile (0.5 < q < 1) of Student's t with ``df`` degrees of freedom (bisection)."""
    if not 0.5 < q < 1.0:
        raise ValueError(f"q must be in (0.5, 1), got {q}")
    lo, hi = 0.0, 1.0
    while t_two_sided_p(hi, df) > 2 * (1 - q):
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if t_two_sided_p(mid, df) > 2 * (1 - q) else (lo, mid)
    return 0.5 * (lo + hi)


def prediction(value: float, group: Iterable[float], *, alpha: float = ALPHA) -> Prediction:
    """A prediction-interval test of one run's ``value`` against ``group``'s seeds.

    A new run from the group's setting would differ from the group's mean by (its own noise) plus
    (the mean's noise): scale s * sqrt(1 + 1/n), t with n - 1 degrees of freedom. A one-sample test
    (scale s / sqrt(n)) would treat the single run as exact and find differences that are not there.
    """
    xs = [float(v) for v in group]
    if len(xs) < 2:
        raise ValueError(f"a prediction interval needs >= 2 values in the group, got {len(xs)}")
    mean, var, n = _mean_var(xs)
    scale = math.sqrt(var * (1.0 + 1.0 / n))
    if scale == 0.0:
        same = mean == value
        return Prediction(t=0.0 if same else math.copysign(math.inf, value - mean), df=float(n - 1),
                          p=1.0 if same else 0.0, low=mean, high=mean)
    t = (float(value) - mean) / scale
    half = t_quantile(1 - alpha / 2, n - 1) * scale
    return Prediction(t=t, df=float(n - 1), p=t_two_sided_p(t, n - 1), low=mean - half, high=mean + half)


def _test_p(a: Sequence[float], b: Sequence[float]) -> float:
    """The rule's p-value for a against b: Welch for seeds against seeds, a prediction interval when
    one side is a single run."""
    if len(a) == 1 and len(b) >= 2:
        return prediction(a[0], b).p
    if len(b) == 1 and len(a) >= 2:
        return prediction(b[0], a).p
    return welch(a, b).p


def _verdict(xa: Sequence[float], xb: Sequence[float], p: float, *, higher_is_better: bool, alpha: float,
             p_raw: float | None = None) -> Verdict:
    mean_a, mean_b = sum(xa) / len(xa), sum(xb) / len(xb)
    sign = 0
    if p < alpha:
        sign = 1 if (mean_a > mean_b) == higher_is_better else -1
    return Verdict(mean_a=mean_a, mean_b=mean_b, p=p, sign=sign, p_raw=p if p_raw is None else p_raw)


def compare(a: Iterable[float], b: Iterable[float], *, higher_is_better: bool = True, alpha: float = ALPHA) -> Verdict:
    """Compare two groups of per-seed values with Welch's t-test at level ``alpha``.

    When one side is a single run, it is judged by :func:`prediction` against the other side's seeds.
    """
    xa, xb = [float(v) for v in a], [float(v) for v in b]
    return _verdict(xa, xb, _test_p(xa, xb), higher_is_better=higher_is_better, alpha=alpha)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (same order as given): the k-th smallest of m is multiplied
    by m - k + 1, made non-decreasing and capped at 1. A family of m tests then keeps its chance of
    any false "difference" at ``alpha``."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * float(pvalues[i])))
        adjusted[i] = running
    return adjusted


def against_control(control: Iterable[float], variants: Mapping[K, Iterable[float]], *,
                    higher_is_better: bool = True, alpha: float = ALPHA) -> dict[K, Verdict]:
    """Each variant against one shared control, Holm-corrected over the variants.

    A variant with several seeds is compared by Welch's test, a one-run variant by :func:`prediction`.
    Each verdict's ``p`` is the corrected p-value (what decides), ``p_raw`` the uncorrected one.
    """
    xc = [float(v) for v in control]
    groups = {k: [float(v) for v in vs] for k, vs in variants.items()}
    raw = {k: _test_p(xs, xc) for k, xs in groups.items()}
    adjusted = dict(zip(raw, holm(list(raw.values()))))
    return {k: _verdict(groups[k], xc, adjusted[k], higher_is_better=higher_is_better, alpha=alpha, p_raw=raw[k])
            for k in groups}


# ------------------------------------------------------------------------------------------------
# Paired differences: settings that share seeds


@dataclass(frozen=True)
class Paired:
    """a − b over the seeds both settings ran, with its 95 % confidence interval (``low``, ``high``).

    A seed fixes the data order (and, where shapes agree, the initial weights) in every setting, so the
    per-seed difference removes what the seeds share; a paired t-test (n − 1 degrees of freedom) on those
    differences is then the natural test. ``sign`` is +1 when a is significantly better, −1 when
    significantly worse, 0 within noise; ``p`` is Holm-corrected where a family was compared (``p_raw``
    keeps the uncorrected value).
    """

    diff: float
    low: float
    high: float
    p: float
    n: int
    sign: int
    p_raw: float | None = None

    @property
    def significant(self) -> bool:
        return self.sign != 0

    @property
    def p_text(self) -> str:
        return p_text(self.p)

    def interval(self, scale: float = 1.0, digits: int = 2) -> str:
        """``+0.39 (95 % CI 0.20 to 0.58)``: the difference and its interval, scaled (100 for points)."""
        def num(v: float) -> str:
            text = f"{v * scale:.{digits}f}"
            return "0." + "0" * digits if float(text) == 0 else text.replace("-", "−")

        sign = "+" if self.diff * scale >= 0 and float(num(self.diff)) != 0 else ""
        return f"{sign}{num(self.diff)} (95{NBSP}% CI {num(self.low)} to {num(self.high)})"


def _aligned(a: Mapping[int, float], b: Mapping[int, float]) -> list[float]:
    seeds = sorted(set(a) & set(b))
    diffs = [float(a[s]) - float(b[s]) for s in seeds]
    if len(diffs) < 2:
        raise ValueError(f"a paired comparison needs >= 2 shared seeds, got {seeds}")
    if not all(math.isfinite(d) for d in diffs):
        raise ValueError("a paired comparison needs finite values (a diverged run is reported, not averaged)")
    return diffs


def paired(a: Mapping[int, float], b: Mapping[int, float], *, higher_is_better: bool = True,
           alpha: float = ALPHA) -> Paired:
    """a − b over the seeds both have (``{seed: value}``): mean, 95 % interval and paired t-test."""
    diffs = _aligned(a, b)
    mean, var, n = _mean_var(diffs)
    se = math.sqrt(var / n)
    if se == 0.0:
        p = 1.0 if mean == 0 else 0.0
        low = high = mean
    else:
        p = t_two_sided_p(mean / se, n - 1)
        half = t_quantile(1 - alpha / 2, n - 1) * se
        low, high = mean - half, mean + half
    sign = 0 if p >= alpha or mean == 0 else (1 if (mean > 0) == higher_is_better else -1)
    return Paired(diff=mean, low=low, high=high, p=p, n=n, sign=sign, p_raw=p)


def holm_family(raw: Mapping[K, Paired], *, higher_is_better: bool = True, alpha: float = ALPHA) -> dict[K, Paired]:
    """A family of paired comparisons, Holm-corrected: each keeps its difference and plain 95 % interval,
    ``p`` becomes the corrected p-value (which decides ``sign``) and ``p_raw`` keeps the uncorrected one."""
    raw_p = {k: r.p if r.p_raw is None else r.p_raw for k, r in raw.items()}
    adjusted = dict(zip(raw_p, holm(list(raw_p.values()))))
    out: dict[K, Paired] = {}
    for k, r in raw.items():
        sign = 0 if adjusted[k] >= alpha or r.diff == 0 else (1 if (r.diff > 0) == higher_is_better else -1)
        out[k] = Paired(r.diff, r.low, r.high, adjusted[k], r.n, sign, p_raw=raw_p[k])
    return out


def paired_against_control(control: Mapping[int, float], variants: Mapping[K, Mapping[int, float]], *,
                           higher_is_better: bool = True, alpha: float = ALPHA) -> dict[K, Paired]:
    """Each variant − the control, paired by seed; the p-values Holm-corrected over the family.

    The interval of each difference stays the plain 95 % one; what a sentence may call a gain is decided by
    the corrected p-value (``sign``).
    """
    raw = {k: paired(v, control, higher_is_better=higher_is_better, alpha=alpha) for k, v in variants.items()}
    return holm_family(raw, higher_is_better=higher_is_better, alpha=alpha)


@dataclass(frozen=True)
class McNemar:
    """Two nets' predictions on the same test images: ``only_a`` images only A gets right, ``only_b`` only B;
    ``p`` is the exact two-sided binomial test of that split (the images both get right or wrong say nothing)."""

    only_a: int
    only_b: int
    p: float

    @property
    def p_text(self) -> str:
        return p_text(self.p)


def mcnemar(a_right: Iterable[bool], b_right: Iterable[bool]) -> McNemar:
    """McNemar's exact test from per-image correctness of two nets (same images, same order)."""
    pairs = list(zip(a_right, b_right, strict=True))
    only_a = sum(1 for x, y in pairs if x and not y)
    only_b = sum(1 for x, y in pairs if y and not x)
    n = only_a + only_b
    return McNemar(only_a, only_b, 1.0 if n == 0 else sign_test(only_a, n))


@dataclass(frozen=True)
class Best(Generic[K]):
    """The setting with the highest mean (``top``) and every setting the rule cannot separate from it
    (``tied``, ``top`` first, then by mean). One name means a clear best; more mean a tie."""

    top: K
    tied: tuple[K, ...]
    #: the rule's p-value of each tied setting against the top (1.0 for the top itself)
    p: tuple[float, ...] = ()

    @property
    def is_tie(self) -> bool:
        return len(self.tied) > 1

    @property
    def others(self) -> int:
        """How many settings tie with the top."""
        return len(self.tied) - 1

    def p_of(self, key: K) -> float:
        """The p-value of a tied setting against the top."""
        return self.p[self.tied.index(key)]


def best(groups: Mapping[K, Iterable[float]], *, higher_is_better: bool = True, alpha: float = ALPHA) -> Best[K]:
    """The best of several settings measured over seeds, with its ties (Welch's test against the top,
    uncorrected: a setting is tied unless the test separates it from the top at level ``alpha``)."""
    xs = {k: [float(v) for v in vs] for k, vs in groups.items()}
    if not xs:
        raise ValueError("best needs at least one group")
    mean = {k: sum(v) / len(v) for k, v in xs.items()}
    ranked = sorted(xs, key=lambda k: mean[k], reverse=higher_is_better)
    top = ranked[0]
    p = {k: 1.0 if k == top else _test_p(xs[k], xs[top]) for k in ranked}
    tied = tuple(k for k in ranked if p[k] >= alpha)
    return Best(top=top, tied=tied, p=tuple(p[k] for k in tied))


def best_paired(groups: Mapping[K, Mapping[int, float]], *, higher_is_better: bool = True,
                alpha: float = ALPHA) -> Best[K]:
    """:func:`best` for settings that share seeds (``{setting: {seed: value}}``): each other setting against
    the top by the paired test on their shared seeds, Holm-corrected over those comparisons (the top is
    chosen after the fact, so its m − 1 comparisons are one family); a setting is tied unless the
    corrected test separates it. ``Best.p`` holds the corrected p-values."""
    if not groups:
        raise ValueError("best_paired needs at least one group")
    mean = {k: sum(v.values()) / len(v) for k, v in groups.items()}
    ranked = sorted(groups, key=lambda k: mean[k], reverse=higher_is_better)
    top = ranked[0]
    family = paired_against_control(groups[top], {k: groups[k] for k in ranked[1:]},
                                    higher_is_better=higher_is_better, alpha=alpha)
    p = {k: 1.0 if k == top else family[k].p for k in ranked}
    tied = tuple(k for k in ranked if p[k] >= alpha)
    return Best(top=top, tied=tied, p=tuple(p[k] for k in tied))


# ------------------------------------------------------------------------------------------------
# Categorical words: all / none / some


def how_many(flags: Iterable[bool], noun: str = "seed", *, plural: str | None = None) -> str:
    """'every seed', 'no seed' or 'k of n seeds', from per-item truth values."""
    values = [bool(f) for f in flags]
    if not values:
        raise ValueError("how_many needs at least one value")
    k, n = sum(values), len(values)
    if k == n:
        return f"every {noun}" if n > 1 else f"the {noun}"
    if k == 0:
        return f"no {noun}"
    return f"{k} of {n} {plural or noun + 's'}"


def diverges(diverged_steps: Iterable[int]) -> str:
    """'never diverges' / 'always diverges' / 'diverges in k of n runs' (a step < 0 means it never did)."""
    steps = [int(s) for s in diverged_steps]
    bad = sum(1 for s in steps if s >= 0)
    if bad == 0:
        return "never diverges"
    if bad == len(steps):
        return "always diverges" if len(steps) > 1 else "diverges"
    return f"diverges in {bad} of {len(steps)} runs"


def ratio_words(ratio: float) -> str:
    """A factor in words for prose: 'about the same' within 10 %, else 'about N times'."""
    if not math.isfinite(ratio) or ratio <= 0:
        raise ValueError(f"ratio must be positive and finite, got {ratio}")
    if 1 / 1.1 <= ratio <= 1.1:
        return "about the same"
    return f"about {ratio:.1f} times" if ratio < 10 else f"about {ratio:.0f} times"


def sign_test(k: int, n: int) -> float:
    """Two-sided exact sign test: P(a split at least as uneven as k of n) when each side has chance 1/2."""
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    extreme = max(k, n - k)
    tail = sum(math.comb(n, j) for j in range(extreme, n + 1)) / 2**n
    return min(1.0, 2 * tail)
