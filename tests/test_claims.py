"""The report's one rule for comparative words (hw7.claims), and the words each chapter prints.

Unit tests check the statistics against known values. The cache tests below pin every comparative
sentence of the chapters to the committed numbers: a rerun that flips a result must flip the word
the chapter prints (it is computed by the same helper) or fail here.
"""

from __future__ import annotations

import math

import pytest

from hw7 import claims


# ---------------------------------------------------------------------------------------------
# The statistics


@pytest.mark.parametrize("t, df, p", [
    (2.0, 10, 0.07338803),       # textbook value
    (2.776445, 4, 0.05),         # t_{0.975, 4}
    (12.7062, 1, 0.05),          # t_{0.975, 1}
    (1.959964, 1e7, 0.05),       # large df: the normal distribution
    (0.0, 3, 1.0),
])
def test_t_distribution_against_table_values(t, df, p):
    assert claims.t_two_sided_p(t, df) == pytest.approx(p, rel=1e-5, abs=1e-9)
    assert claims.t_two_sided_p(-t, df) == pytest.approx(p, rel=1e-5, abs=1e-9)


def test_betainc_symmetry_and_endpoints():
    assert claims.betainc(2.0, 3.0, 0.0) == 0.0 and claims.betainc(2.0, 3.0, 1.0) == 1.0
    assert claims.betainc(2.0, 3.0, 0.3) == pytest.approx(1 - claims.betainc(3.0, 2.0, 0.7), rel=1e-12)
    assert claims.betainc(1.0, 1.0, 0.42) == pytest.approx(0.42, rel=1e-12)  # uniform distribution


def test_welch_matches_a_worked_example():
    # R: t.test(c(1,2,3,4), c(2,4,6,8,10)) -> t = -2.2514, df = 5.5208, p-value = 0.06913
    w = claims.welch([1, 2, 3, 4], [2, 4, 6, 8, 10])
    assert w.t == pytest.approx(-2.2514, abs=1e-4)
    assert w.df == pytest.approx(5.5208, abs=1e-4)
    assert w.p == pytest.approx(0.06913, abs=1e-5)


def test_welch_edge_cases():
    assert claims.welch([1, 1], [1, 1]).p == 1.0
    assert claims.welch([1, 1], [2, 2]).p == 0.0
    with pytest.raises(ValueError, match=">= 2 values"):
        claims.welch([1], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        claims.welch([1, math.nan], [1, 2])


def test_compare_words_follow_the_rule():
    clear = claims.compare([0.98, 0.981, 0.979], [0.95, 0.951, 0.949])
    assert clear.sign == 1 and clear.word == "beats" and clear.p < 0.05
    assert claims.compare([0.95, 0.951, 0.949], [0.98, 0.981, 0.979]).word == "falls below"
    noisy = claims.compare([0.97, 0.98, 0.96], [0.971, 0.979, 0.962])
    assert noisy.sign == 0 and noisy.word == "is within noise of" and not noisy.significant
    lower = claims.compare([1.0, 1.1, 0.9], [5.0, 5.1, 4.9], higher_is_better=False)
    assert lower.sign == 1 and lower.pick("better", "same", "worse") == "better"
    assert lower.diff == pytest.approx(-4.0)


def test_categorical_words():
    assert claims.how_many([True, True, True]) == "every seed"
    assert claims.how_many([False, False]) == "no seed"
    assert claims.how_many([True, False, True]) == "2 of 3 seeds"
    assert claims.diverges([-1, -1]) == "never diverges"
    assert claims.diverges([3, 5]) == "always diverges"
    assert claims.diverges([3, -1, -1]) == "diverges in 1 of 3 runs"
    assert claims.ratio_words(1.05) == "about the same" and claims.ratio_words(1.8) == "about 1.8 times"
    assert claims.ratio_words(25.0) == "about 25 times"
