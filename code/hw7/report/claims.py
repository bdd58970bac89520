"""Words chosen by the numbers: the one rule every comparative word in the report goes through.

A chapter never types "beats", "within noise" or "every seed" by hand: it asks this module, which
decides from the cached values. Comparisons of two settings run over seeds use **Welch's t-test at
the 5 % level** (two-sided, unequal variances): a difference counts only when p < 0.05; otherwise
the two are "within noise" of each other. If a rerun flips a result, the sentence flips with it
(and the tests in ``tests/test_claims.py`` that pin each sentence to the committed cache fail).

scipy is not among the project's dependencies, so the t distribution's CDF is computed here from
the regularised incomplete beta function (a continued fraction, as in Numerical Recipes); the
tests check it against published table values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

#: The significance level of every comparison in the report.
ALPHA: float = 0.05
#: How the rule is stated to readers (the preface quotes it).
RULE: str = "Welch's t-test at the 5 % level over seeds"


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
    significantly worse, 0 when the difference is within noise.
    """

    mean_a: float
    mean_b: float
    p: float
    sign: int

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
        """The p-value as the report prints it."""
        return "p < 0.001" if self.p < 0.001 else f"p = {self.p:.3f}" if self.p < 0.01 else f"p = {self.p:.2f}"


def one_sample(value: float, group: Iterable[float]) -> Welch:
    """One-sample t-test (two-sided) of a single run's ``value`` against the mean of ``group``'s seeds.

    For a one-seed run (a validation probe) against a setting trained over seeds: Welch's test needs a
    spread on both sides, so the single value is taken as fixed and the group's spread decides.
    """
    xs = [float(v) for v in group]
    if len(xs) < 2:
        raise ValueError(f"a one-sample t-test needs >= 2 values in the group, got {len(xs)}")
    mean, var, n = _mean_var(xs)
    if var == 0.0:
        same = mean == value
        return Welch(t=0.0 if same else math.copysign(math.inf, value - mean), df=float(n - 1), p=1.0 if same else 0.0)
    t = (float(value) - mean) / math.sqrt(var / n)
    return Welch(t=t, df=float(n - 1), p=t_two_sided_p(t, n - 1))


def compare(a: Iterable[float], b: Iterable[float], *, higher_is_better: bool = True, alpha: float = ALPHA) -> Verdict:
    """Compare two groups of per-seed values with Welch's t-test at level ``alpha``.

    When one side is a single run, it is compared with the other side's seeds by :func:`one_sample`.
    """
    xa, xb = [float(v) for v in a], [float(v) for v in b]
    if len(xa) == 1 and len(xb) >= 2:
        test = one_sample(xa[0], xb)
    elif len(xb) == 1 and len(xa) >= 2:
        test = one_sample(xb[0], xa)
    else:
        test = welch(xa, xb)
    mean_a, mean_b = sum(xa) / len(xa), sum(xb) / len(xb)
    sign = 0
    if test.p < alpha:
        sign = 1 if (mean_a > mean_b) == higher_is_better else -1
    return Verdict(mean_a=mean_a, mean_b=mean_b, p=test.p, sign=sign)


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
