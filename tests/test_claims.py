"""The report's one rule for comparative words (hw7.report.claims), and the words each chapter prints.

Unit tests check the statistics against known values. The cache tests below pin every comparative
sentence of the chapters to the committed numbers: a rerun that flips a result must flip the word
the chapter prints (it is computed by the same helper) or fail here.
"""

from __future__ import annotations

import math

import pytest

from hw7.report import claims


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


def test_sign_test():
    assert claims.sign_test(8, 8) == pytest.approx(2 / 256)
    assert claims.sign_test(0, 8) == pytest.approx(2 / 256)
    assert claims.sign_test(4, 8) == 1.0
    assert claims.sign_test(9, 10) == pytest.approx(2 * 11 / 1024)


# ---------------------------------------------------------------------------------------------
# The committed cache behind sentences whose wording is fixed in the chapters. (Sentences whose
# words are computed by hw7.report.claims follow the cache by construction; these pin the rest.)

import numpy as np  # noqa: E402

from hw7.mnist import experiments as mx  # noqa: E402
from hw7.store import results  # noqa: E402


@pytest.fixture(autouse=True)
def committed_cache(monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)




def test_p2_wave3_built_on_the_one_clear_gain():
    from hw7.report import claims as c
    from hw7.mnist import results as mr

    entries = results.load("p2-c-search")
    acc = lambda s: [e["result"]["eval_acc"][-1] for e in mr.step_entries(entries, mx.P2C_SEARCH, s)]  # noqa: E731
    wave2 = [sid for sid, _, _ in mx.P2C_SEARCH if sid.startswith("w2")]
    helped = [sid for sid in wave2 if c.compare(acc(sid), acc("w1.5")).sign > 0]
    assert helped == ["w2.e"]  # dropout: the chapter says wave 3 builds on it as wave 2's one clear gain


def test_p3_sigmoid_network_answers_one_class_in_every_epoch():
    from hw7.mnist.data import MNIST_TEST_CLASS_COUNTS

    shares = np.array(MNIST_TEST_CLASS_COUNTS) / sum(MNIST_TEST_CLASS_COUNTS)
    for e in results.load("p3-a-sigmoid-deep"):
        for a in e["result"]["eval_acc"]:
            assert np.min(np.abs(shares - a)) < 0.5e-4


def test_mnist_test_class_counts_match_the_labels():
    from hw7.mnist import data

    try:
        labels = data.load_mnist().test_y
    except Exception as err:  # noqa: BLE001 - no MNIST files on this machine
        pytest.skip(f"MNIST not available: {err}")
    assert tuple(np.bincount(labels.numpy(), minlength=10).tolist()) == data.MNIST_TEST_CLASS_COUNTS


def test_p3_search_sentences():
    from hw7.report import claims as c
    from hw7.mnist import results as mr

    deep = results.load("p3-c-search")
    shallow = results.load("p2-c-search")
    acc = lambda es, steps, s: [e["result"]["eval_acc"][-1] for e in mr.step_entries(es, steps, s)]  # noqa: E731
    means = {s: np.mean(acc(deep, mx.P3C_SEARCH, s)) for s in ("d.3", "d.4", "d.5", "d.6", "d.7")}
    assert sorted(means, key=means.get)[-2:] in (["d.3", "d.6"], ["d.6", "d.3"])  # wave 2 combined these two
    # "Without that recipe, depth alone buys little": plain deep d.2 does not beat the 800-unit shallow w1.5
    assert c.compare(acc(deep, mx.P3C_SEARCH, "d.2"), acc(shallow, mx.P2C_SEARCH, "w1.5")).sign <= 0



