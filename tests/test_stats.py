"""The report's statistics (``hw7.present.stats``) against worked and published values."""

from __future__ import annotations

import math

import pytest

from hw7.present import stats


@pytest.mark.parametrize("t, df, p", [
    (2.0, 10, 0.07338803),       # textbook value
    (2.776445, 4, 0.05),         # t_{0.975, 4}
    (12.7062, 1, 0.05),          # t_{0.975, 1}
    (1.959964, 1e7, 0.05),       # large df: the normal distribution
    (0.0, 3, 1.0),
])
def test_t_distribution_against_table_values(t, df, p):
    assert stats.t_two_sided_p(t, df) == pytest.approx(p, rel=1e-5, abs=1e-9)
    assert stats.t_two_sided_p(-t, df) == pytest.approx(p, rel=1e-5, abs=1e-9)


def test_betainc_symmetry_and_endpoints():
    assert stats.betainc(2.0, 3.0, 0.0) == 0.0 and stats.betainc(2.0, 3.0, 1.0) == 1.0
    assert stats.betainc(2.0, 3.0, 0.3) == pytest.approx(1 - stats.betainc(3.0, 2.0, 0.7), rel=1e-12)
    assert stats.betainc(1.0, 1.0, 0.42) == pytest.approx(0.42, rel=1e-12)  # uniform distribution


def test_welch_matches_a_worked_example():
    # R: t.test(c(1,2,3,4), c(2,4,6,8,10)) -> t = -2.2514, df = 5.5208, p-value = 0.06913
    w = stats.welch([1, 2, 3, 4], [2, 4, 6, 8, 10])
    assert w.t == pytest.approx(-2.2514, abs=1e-4)
    assert w.df == pytest.approx(5.5208, abs=1e-4)
    assert w.p == pytest.approx(0.06913, abs=1e-5)


def test_welch_edge_cases():
    assert stats.welch([1, 1], [1, 1]).p == 1.0
    assert stats.welch([1, 1], [2, 2]).p == 0.0
    with pytest.raises(ValueError, match=">= 2 values"):
        stats.welch([1], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        stats.welch([1, math.nan], [1, 2])


def test_compare_words_follow_the_rule():
    clear = stats.compare([0.98, 0.981, 0.979], [0.95, 0.951, 0.949])
    assert clear.sign == 1 and clear.word == "beats" and clear.p < 0.05
    assert stats.compare([0.95, 0.951, 0.949], [0.98, 0.981, 0.979]).word == "falls below"
    noisy = stats.compare([0.97, 0.98, 0.96], [0.971, 0.979, 0.962])
    assert noisy.sign == 0 and noisy.word == "is within noise of" and not noisy.significant
    lower = stats.compare([1.0, 1.1, 0.9], [5.0, 5.1, 4.9], higher_is_better=False)
    assert lower.sign == 1 and lower.pick("better", "same", "worse") == "better"
    assert lower.diff == pytest.approx(-4.0)


def test_categorical_words():
    assert stats.how_many([True, True, True]) == "every seed"
    assert stats.how_many([False, False]) == "no seed"
    assert stats.how_many([True, False, True]) == "2 of 3 seeds"
    assert stats.diverges([-1, -1]) == "never diverges"
    assert stats.diverges([3, 5]) == "always diverges"
    assert stats.diverges([3, -1, -1]) == "diverges in 1 of 3 runs"
    assert stats.ratio_words(1.05) == "about the same" and stats.ratio_words(1.8) == "about 1.8 times"
    assert stats.ratio_words(25.0) == "about 25 times"


def test_sign_test():
    assert stats.sign_test(8, 8) == pytest.approx(2 / 256)
    assert stats.sign_test(0, 8) == pytest.approx(2 / 256)
    assert stats.sign_test(4, 8) == 1.0
    assert stats.sign_test(9, 10) == pytest.approx(2 * 11 / 1024)


@pytest.mark.parametrize("df, t", [(2, 4.302653), (4, 2.776445), (10, 2.228139), (30, 2.042272)])
def test_t_quantile_against_table_values(df, t):
    assert stats.t_quantile(0.975, df) == pytest.approx(t, abs=1e-5)


def test_prediction_interval_worked_example():
    # group 1, 2, 3: m = 2, s = 1, n = 3, scale = sqrt(4/3); x = 10 gives t = 8 / sqrt(4/3) = 6.9282
    # with 2 d.f., where the two-sided p has a closed form, 1 - |t| / sqrt(t^2 + 2) = 0.020204
    pi = stats.prediction(10.0, [1, 2, 3])
    assert pi.t == pytest.approx(6.928203, abs=1e-6) and pi.df == 2
    assert pi.p == pytest.approx(1 - 6.928203 / math.sqrt(48 + 2), abs=1e-6)
    # the 95 % interval for a new run: 2 +- t(0.975, 2) * sqrt(4/3) = 2 +- 4.968275
    assert (pi.low, pi.high) == pytest.approx((2 - 4.968275, 2 + 4.968275), abs=1e-5)
    # a one-sample test (scale s / sqrt(n)) would call x = 5 a difference (p = 0.035); the interval does not
    assert stats.prediction(5.0, [1, 2, 3]).p == pytest.approx(1 - 2.598076 / math.sqrt(6.75 + 2), abs=1e-6)
    assert stats.compare([5.0], [1, 2, 3]).sign == 0 and stats.compare([10.0], [1, 2, 3]).sign == 1
    with pytest.raises(ValueError, match=">= 2 values"):
        stats.prediction(1.0, [1.0])


def test_holm_against_worked_values():
    # R: p.adjust(c(0.01, 0.04, 0.03), "holm") -> 0.03 0.06 0.06
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09
    assert stats.holm([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_against_control_corrects_and_keeps_the_raw_p():
    control = [1.0, 2.0, 3.0]
    verdicts = stats.against_control(control, {"far": [10.0], "near": [5.0], "seeds": [11.0, 12.0, 13.0]})
    assert verdicts["far"].p_raw == pytest.approx(stats.prediction(10.0, control).p)
    assert verdicts["seeds"].p_raw == pytest.approx(stats.welch([11.0, 12.0, 13.0], control).p)
    raw = [verdicts[k].p_raw for k in ("far", "near", "seeds")]
    assert [verdicts[k].p for k in ("far", "near", "seeds")] == pytest.approx(stats.holm(raw))
    # uncorrected, "far" would count (p = 0.020); against three variants it is tentative (Holm p = 0.04)
    assert verdicts["far"].p_raw < 0.05 and verdicts["far"].p > verdicts["far"].p_raw


def test_best_names_a_tie_the_rule_cannot_break():
    clear = stats.best({"a": [1.0, 1.1, 0.9], "b": [5.0, 5.1, 4.9]})
    assert clear.top == "b" and clear.tied == ("b",) and not clear.is_tie
    tie = stats.best({"a": [1.0, 2.0, 3.0], "b": [1.5, 2.5, 3.5], "c": [10.0, 10.1, 9.9]})
    assert tie.tied == ("c",)
    tie = stats.best({"a": [1.0, 2.0, 3.0], "b": [1.5, 2.5, 3.5]})
    assert tie.top == "b" and tie.tied == ("b", "a") and tie.is_tie and tie.others == 1
    assert tie.p_of("a") == pytest.approx(stats.welch([1.0, 2.0, 3.0], [1.5, 2.5, 3.5]).p) and tie.p_of("b") == 1.0


def test_p_values_and_point_differences_print_without_ambiguity():
    nbsp = stats.NBSP
    assert [stats.p_text(p).replace(nbsp, " ") for p in (0.0004, 0.0446, 0.0546, 0.0997, 0.12)] == [
        "p < 0.001", "p = 0.045", "p = 0.055", "p = 0.10", "p = 0.12"]
    from types import SimpleNamespace

    from hw7.present import fmt

    assert " " not in stats.p_text(0.12) and " " not in fmt.pm(SimpleNamespace(mean=0.9, sd=0.01))

    assert fmt.pts(-0.00004) == "0.00" and fmt.pts(0.0021) == "+0.21" and fmt.pts(-0.0047) == "\u22120.47"
    assert fmt.pts(-0.0047, sign=False) == "0.47"
