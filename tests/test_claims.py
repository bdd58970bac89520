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
from hw7.problem1 import experiments as p1x  # noqa: E402
from hw7.store import results  # noqa: E402


@pytest.fixture(autouse=True)
def committed_cache(monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)


def _by(name, *fields):
    return {tuple(e["config"][f] for f in fields) if len(fields) > 1 else e["config"][fields[0]]: e["result"]
            for e in results.load(name)}


def test_p1_limit_runs_bracket_the_sweep_limits():
    """p1x.P1_LIMIT_INDICES are the largest converging and smallest diverging rate of the sweep."""
    sweep = _by("p1-lr-sweep", "optimizer")
    for opt, (ok, bad) in p1x.P1_LIMIT_INDICES.items():
        steps = sweep[opt]["diverged_step"]
        first_bad = min(i for i, s in enumerate(steps) if s >= 0)
        assert (ok, bad) == (first_bad - 1, first_bad), opt
    # the chapter says momentum's limit is the lower one
    assert p1x.P1_LIMIT_INDICES["momentum"][1] < p1x.P1_LIMIT_INDICES["gd"][1]


def test_p1_limit_sentences():
    lim = {(o, lr): r for (o, lr), r in _by("p1-limits", "optimizer", "lr").items()}
    lrs = p1x.P1_SWEEP_LRS
    (gd_ok, gd_bad), (mom_ok, mom_bad) = p1x.P1_LIMIT_INDICES["gd"], p1x.P1_LIMIT_INDICES["momentum"]
    kl = lambda o, i, t: lrs[i] * lim[(o, lrs[i])]["hess_eig_max"][t]  # noqa: E731
    # GD just below its limit: overshoots at the start, then lands where a GD step is stable
    assert kl("gd", gd_ok, 0) > 2 and kl("gd", gd_ok, 2) < 2 and lim[("gd", lrs[gd_ok])]["diverged_step"] < 0
    # just above: each of the first steps lands in steeper terrain
    assert 2 < kl("gd", gd_bad, 1) < kl("gd", gd_bad, 2) and lim[("gd", lrs[gd_bad])]["diverged_step"] > 0
    # momentum: survives while kappa*lambda stays below the heavy-ball bound 3.8 in its first ten steps
    assert max(kl("momentum", mom_ok, t) for t in range(1, 11)) < 3.8
    assert lim[("momentum", lrs[mom_bad])]["diverged_step"] > 0
    # GD at 1e-3 diverges like momentum, with the identical first step
    mom_c = _by("p1-c", "optimizer")["momentum"]
    gd_c = lim[("gd", 1e-3)]
    assert gd_c["diverged_step"] > 0 and mom_c["diverged_step"] > 0
    assert gd_c["xy"][1] == pytest.approx(mom_c["xy"][1], rel=1e-12)


def test_p1_adam_variant_sentences():
    from hw7.problem1.experiments import adam_variant_name

    runs = {(e["config"]["lr"], adam_variant_name(e["config"])): e["result"] for e in results.load("p1-adam-variants")}
    lo, hi = p1x.P1_ADAM_VARIANT_LRS
    for lr in (lo, hi):
        tails = [runs[(lr, n)]["tail_dist_max"] for n in p1x.P1_ADAM_VARIANTS]
        assert max(tails) / min(tails) < 10          # "by amounts of the same order": eps is not the cause
        assert all(t < lr for t in tails)             # the wander stays below kappa
    # "about the same fractions as at 1e-4": the median tail step scales with kappa
    for name in ("homework", "eps_outside", "eps_zero"):
        f_lo = runs[(lo, name)]["tail_step_median"] / lo
        f_hi = runs[(hi, name)]["tail_step_median"] / hi
        assert 1 / 1.5 < f_hi / f_lo < 1.5
    # standard Adam: tiny median step, but jumps as large as the others
    assert runs[(lo, "standard")]["tail_step_median"] < 0.01 * runs[(lo, "homework")]["tail_step_median"]
    assert runs[(lo, "standard")]["tail_step_max"] >= runs[(lo, "homework")]["tail_step_max"]


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


def test_zoo_published_list_matches_a_shared_draw_of_ours():
    from hw7.readings.zoo import PUBLISHED_ACC

    zoo = results.load("app-zoo")
    seeds = sorted({e["config"]["seed"] for e in zoo})
    below = [sum(e["result"]["final_test_acc"] < PUBLISHED_ACC[e["config"]["optimizer"]]
                 for e in zoo if e["config"]["seed"] == s) for s in seeds]
    assert max(below) == len(PUBLISHED_ACC)  # some seed of ours has every optimizer below the published value


def test_appendix_sentences():
    from hw7.readings.experiments import LNN_INIT_DEPTH, LNN_INIT_LR

    init = results.load("app-lnn-init")[0]
    w0 = init["config"]["inits"][-1]
    r = init["result"]
    w1 = w0 - LNN_INIT_LR * (w0**LNN_INIT_DEPTH * r["x_sq_mean"] - r["xy_mean"]) * w0 ** (LNN_INIT_DEPTH - 1)
    assert 0 < w1 < 1 and w1**LNN_INIT_DEPTH < 1e-3  # cut below 1, not past zero; product tiny

    err = results.load("app-numpy-gradcheck")[0]["result"]["max_rel_error"]
    assert max(v for k, v in err.items() if k.startswith("net_") and "dropout" not in k) < 1e-7
    assert max(v for k, v in err.items() if k.startswith("net_") and "dropout" in k) < 1e-5
    assert err["linear"] > 1e-10 and max(v for k, v in err.items() if k.startswith("dropout")) > 1e-9
    assert err["dropout_p0.5"] == max(v for k, v in err.items() if k.startswith("dropout"))
