"""Paired differences, their intervals, Holm over a family, and McNemar's test: the statistics the answers use."""

from __future__ import annotations

import pytest

from hw7.present import stats


def test_paired_matches_a_worked_example():
    """Differences 0.1 ... 0.5: mean 0.3, sd sqrt(0.025), t = 4.243 with 4 d.f.: p = 0.0132, and the
    interval 0.3 +/- 2.7764 * 0.0707 (t table: 2.7764 is the 97.5 % point with 4 d.f.)."""
    b = {s: float(s) for s in range(5)}
    a = {s: b[s] + 0.1 * (s + 1) for s in range(5)}
    r = stats.paired(a, b)
    assert r.n == 5 and r.diff == pytest.approx(0.3)
    assert r.p == pytest.approx(0.01324, abs=5e-5)
    assert r.low == pytest.approx(0.3 - 2.7764 * 0.0707107, abs=2e-4)
    assert r.high == pytest.approx(0.3 + 2.7764 * 0.0707107, abs=2e-4)
    assert r.sign == 1 and r.significant
    assert stats.paired(b, a).sign == -1 and stats.paired(b, a, higher_is_better=False).sign == 1


def test_pairing_removes_what_the_seeds_share():
    """Seeds that differ a lot from each other, but the same shift in every seed: Welch sees noise, the pair a gain."""
    b = {0: 0.90, 1: 0.95, 2: 0.97, 3: 0.92, 4: 0.99}
    a = {s: v + 0.01 + 0.001 * s for s, v in b.items()}
    assert stats.welch(a.values(), b.values()).p > 0.05
    assert stats.paired(a, b).p < 0.001


def test_paired_uses_only_shared_seeds_and_refuses_too_few():
    a = {0: 1.0, 1: 2.0, 2: 3.0, 7: 100.0}
    b = {0: 0.5, 1: 1.4, 2: 2.6}
    assert stats.paired(a, b).n == 3
    with pytest.raises(ValueError, match="shared seeds"):
        stats.paired({0: 1.0, 1: 2.0}, {1: 1.0, 2: 2.0})
    with pytest.raises(ValueError, match="finite"):
        stats.paired({0: float("nan"), 1: 1.0}, {0: 1.0, 1: 1.0})


def test_identical_shift_is_exact():
    r = stats.paired({0: 2.0, 1: 3.0}, {0: 1.0, 1: 2.0})
    assert (r.diff, r.low, r.high, r.p, r.sign) == (1.0, 1.0, 1.0, 0.0, 1)
    same = stats.paired({0: 2.0, 1: 3.0}, {0: 2.0, 1: 3.0})
    assert same.p == 1.0 and same.sign == 0


def test_interval_text():
    r = stats.Paired(diff=0.0039, low=0.002, high=0.0058, p=0.003, n=5, sign=1)
    assert r.interval(100) == "+0.39 (95&nbsp;% CI 0.20 to 0.58)"
    neg = stats.Paired(diff=-0.0023, low=-0.004, high=-0.0006, p=0.01, n=5, sign=-1)
    assert neg.interval(100) == "−0.23 (95&nbsp;% CI −0.40 to −0.06)"
    assert stats.Paired(diff=-0.00001, low=-1e-4, high=1e-4, p=0.9, n=5, sign=0).interval(100).startswith("0.00 ")


def test_family_is_holm_corrected():
    control = {s: 0.0 for s in range(5)}
    strong = {s: 1.0 + 0.01 * s for s in range(5)}
    weak = {0: 0.3, 1: -0.05, 2: 0.25, 3: 0.2, 4: 0.3}
    raw = stats.paired(weak, control)
    assert raw.p < 0.05  # alone it would be called a gain ...
    fam = stats.paired_against_control(control, {"strong": strong, "weak": weak, "none": dict(control)})
    assert fam["weak"].p_raw == pytest.approx(raw.p) and fam["weak"].p > raw.p
    assert fam["strong"].sign == 1
    assert fam["weak"].p == pytest.approx(min(1.0, 2 * raw.p))  # second smallest of three: x2 (or the running max)
    assert (fam["weak"].sign == 1) == (fam["weak"].p < 0.05)


def test_mcnemar_counts_the_discordant_images():
    a = [True] * 90 + [True] * 8 + [False] * 2
    b = [True] * 90 + [False] * 8 + [True] * 2
    r = stats.mcnemar(a, b)
    assert (r.only_a, r.only_b) == (8, 2)
    assert r.p == pytest.approx(stats.sign_test(8, 10)) and r.p == pytest.approx(0.1094, abs=1e-4)
    assert stats.mcnemar([True, False], [True, False]).p == 1.0
    with pytest.raises(ValueError):
        stats.mcnemar([True], [True, False])


def test_best_paired_ties_what_the_pairs_cannot_separate():
    top = {s: 0.95 + 0.01 * s for s in range(5)}
    close = {0: 0.951, 1: 0.957, 2: 0.972, 3: 0.979, 4: 0.99}  # differences scatter around zero
    far = {s: v - 0.02 - 0.001 * s for s, v in top.items()}
    b = stats.best_paired({"top": top, "close": close, "far": far})
    assert b.top == "top" and b.tied == ("top", "close") and b.is_tie
    assert b.p_of("close") == pytest.approx(stats.paired(close, top).p)
