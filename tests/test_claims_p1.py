"""Chapter 1's comparative, causal and universal sentences, checked against the findings it cites.

Each assertion quotes the sentence it pins: if a rerun changes the cache so that a sentence is no
longer true, this fails and a person rewrites the sentence (the sentence is never generated).
"""

from __future__ import annotations

import math

import pytest

from hw7.problem1 import findings
from hw7.problem1.experiments import P1_LIMIT_INDICES, P1_SWEEP_LRS
from hw7.store import loader

USABLE = findings.USABLE_DIST


@pytest.fixture(scope="module")
def f(request) -> findings.P1Findings:
    mp = pytest.MonkeyPatch()
    mp.delenv("HW7_CACHE_DIR", raising=False)
    request.addfinalizer(mp.undo)
    return findings.load(loader.load)


def test_valley(f):
    a = f.valley
    assert a.literal_at_10 < 0, "P1: 'Taken literally that function has no minimum at all ... falls without bound'"
    assert a.grad_across > 100 * a.grad_along, "P1(a): 'almost flat along it, while the walls rise steeply across it'"
    assert a.stable_rate_start < f.sweep.momentum.limit, "P1: '2/λ ... well below both observed limits'"
    assert f.sweep.gd.limit < 2 / a.lam_max_star, \
        "P1(a): 'near the minimum, gradient descent is stable only for κ < 2/λmax ... (Far from the minimum the " \
        "curvature is larger still)' — GD diverges below 2/λmax of the minimum"


def test_part_b(f):
    b = f.b
    reached = {r.optimizer: r.first_below for r in b.runs}
    for tol in ("1e-1", "1e-2", "1e-4", "1e-6"):
        steps = {o: s[tol] for o, s in reached.items() if s[tol] >= 0}
        assert min(steps, key=steps.get) == "momentum", f"P1(b): 'Momentum is both the fastest ...' (within {tol})"
    assert b.momentum_first_to_1e2, "P1(b): 'Momentum is the first to get within 10⁻²'"
    assert b.momentum.final_dist < min(b.gd.final_dist, b.adam.final_dist) / 1e3, \
        "P1(b): 'by far the most accurate ... differ by orders of magnitude'"
    assert b.gd.first_below["1e-2"] < 0, "P1(b): 'gradient descent has not converged after 10⁵ steps'"
    assert b.momentum.tail_step_max == 0, "P1(b): 'every one of its last 10 % of steps has length 0'"
    assert b.adam.tail_dist_max > 100 * b.adam.tail_dist_min, "P1(b): 'Then it does not settle'"
    assert 1.3 < b.adam_early_step_k < 1.5, "P1(b): 'Its steps are about √2 κ long whatever the gradient'"


def test_adam_variants(f):
    v = f.variants
    lo, hi = v.eps_final(v.rate_b)
    assert hi / lo < 10 and v.eps_factor < 2, "P1(b): 'The placement of ε does not matter ... behave alike'"
    assert v.s_over_eps > 100, "P1(b): 'Near the minimum the gradient is not small enough for ε to count'"
    assert round(v.beta2_orders_b) == 3, "P1(b): 'Standard Adam stays about 3 orders of magnitude closer' (tail medians)"
    assert v.beta2_gain(v.rate_d) > 10, "P1(b): 'at 10⁻² ... 28 times closer'"
    assert v.beta2_slowdown(v.rate_b) > 1 and v.beta2_slowdown(v.rate_d) > 1, \
        "P1(b): 'The gain has a price in speed: standard Adam first gets within 10⁻² at step ... instead of ...'"
    for lr in (v.rate_b, v.rate_d):
        assert v.run(lr, "standard").tail_dist_max > v.run(lr, "homework").tail_dist_max, \
            "P1(b): 'its largest late distance is even larger than the homework’s at both rates'"
    assert v.beta2_step_gain(v.rate_b) > 1000, "P1(b): 'because its median late step is ... against 0.045 κ'"
    assert v.standard_b.tail_step_max >= v.homework_b.tail_step_max, \
        "P1(b): 'its largest late step ... is no shorter than the homework’s'"
    assert v.all_factor < 10, "P1(b): 'the largest distance over the last 10 % ... of the same order for all four'"
    for lr in (v.rate_b, v.rate_d):
        assert v.all_tail_max(lr)[1] < lr, "P1(b): 'the excursions scale with κ' (all below κ)"
    # "the late steps stay a fixed fraction of κ": the same fraction at both rates, within 50 %
    (b_lo, b_hi), (d_lo, d_hi) = v.eps_step_k(v.rate_b), v.eps_step_k(v.rate_d)
    assert 1 / 1.5 < d_lo / b_lo < 1.5 and 1 / 1.5 < d_hi / b_hi < 1.5, \
        "P1(b): 'With β₂ = 0.99 the late steps stay a fixed fraction of κ'"


def test_part_c(f):
    c = f.c
    assert c.momentum.diverged_step > 0 and c.adam.diverged_step < 0, "P1(c): 'Adam copes; momentum diverges'"
    assert c.gd_same_first_step, "P1(c): 'The first step is the same for momentum and gradient descent'"
    assert c.first_kl > 2, "P1(c): 'κλmax ≈ ..., ... times the bound of 2'"
    assert c.gd.diverged_step > 0, "P1(c): 'Plain gradient descent ... diverges too'"
    assert c.adam_speedup > 1, "P1(c): 'the ten-times-larger rate gets it within 10⁻² ... times sooner'"
    assert c.adam.tail_dist_max > 10 * c.adam.tail_dist_min, "P1(c): 'still wandering'"


def test_part_d(f):
    d = f.d
    assert d.speedup > 1, "P1(d): 'Adam buys speed ... gets within 10⁻² ... times sooner'"
    assert d.adam.final_dist > 1e6 * d.momentum.final_dist, "P1(d): 'and pays in accuracy'"
    assert d.adam.first_below["1e-6"] < 0, "P1(d): 'never gets within 10⁻⁶'"
    assert d.adam.tail_dist_max < d.adam.lr, "P1(d): 'times less than κ'"
    assert not any(f.sweep.adam.diverged), "P1(d): 'Adam diverges at none of the sweep’s 41 rates'"
    assert d.margin < 2, "P1(d): 'It has little safety margin'"
    sd = f.variants.standard_d
    assert sd.lr == d.adam.lr and 0 < sd.first_below["1e-2"] < d.momentum.first_below["1e-2"], \
        "P1(d): 'standard Adam at 10⁻² gets within 10⁻² only at step ..., though that is still sooner than momentum'"


def test_sweep(f):
    s = f.sweep
    for line in (s.gd, s.momentum):
        after = [bad for lr, bad in zip(line.lrs, line.diverged) if lr >= line.limit]
        assert all(after), f"P1 sweep: '{line.optimizer} diverges from ... upward'"
        i = line.lrs.index(line.limit)
        assert line.lrs[i - 1] in line.tied_best, "P1 sweep: 'Just below its limit each is at its best'"
    m = s.momentum
    assert len(m.tied_best) == 3 and m.tied_dists()[1] < 1e-12, \
        "P1 sweep: 'For momentum that is a tie: at each of the 3 rates from 7.5 × 10⁻⁵ to 1.3 × 10⁻⁴ it ends between ...'"
    assert f.b.momentum.lr in m.tied_best and f.b.momentum.tail_step_max == 0, \
        "P1 sweep: 'where (at 10⁻⁴, part b) its steps have become too small to move the iterate at all'"
    assert s.adam_short_lrs and s.adam_long_enough and max(s.adam_short_lrs) < min(s.adam_long_enough), \
        "P1 sweep: 'Up to 3.2 × 10⁻⁵, steps of about √2 κ cannot cover ... even in a straight line'"
    assert s.adam_dist(s.adam_long_enough[0]) > USABLE, "P1 sweep: 'At 4.2 × 10⁻⁵ ... yet Adam ends ... away'"
    assert s.momentum.limit < s.gd.limit, "P1 sweep: 'momentum’s limit is ... times lower'"
    assert s.adam_worst_below, "P1 sweep: 'Below 5.6 × 10⁻⁵ it is the worst of the three'"
    assert s.adam_straight_line_error() < 0.02, "P1 sweep: 'Up to κ = 10⁻⁵ ... walked almost straight'"
    assert s.adam.usable_is_contiguous, "P1 sweep: 'Adam ends within 10⁻² of the minimum at every rate' (of its band)"
    assert max(s.adam.usable) == max(s.adam.lrs), "P1 sweep: 'From 5.6 × 10⁻⁵ to 10⁻¹'"
    assert s.adam.usable_decades > 3, "P1 sweep: 'tolerance of large rates, over more than three decades'"
    assert s.adam.usable_decades > max(s.gd.usable_decades, s.momentum.usable_decades), \
        "P1 sweep: 'momentum does so over 1.0 decade ... and gradient descent over 0.25'"
    assert s.momentum.usable_is_contiguous and s.gd.usable_is_contiguous
    assert s.adam_last_decade > 10 * s.adam_first_decade, "P1 sweep: 'Adam’s error rises with κ on the whole'"
    assert s.adam_falls > 0, "P1 sweep: 'It does not rise steadily, though'"
    assert s.momentum.best_dist < s.adam.best_dist < s.gd.best_dist, \
        "P1 sweep: 'precision at a well-chosen rate is momentum’s'"


def test_limits(f):
    lim = f.limits
    for opt, (ok, bad) in P1_LIMIT_INDICES.items():
        line = getattr(f.sweep, "gd" if opt == "gd" else "momentum")
        assert line.lrs.index(line.limit) == bad and ok == bad - 1, f"P1: limit runs bracket {opt}'s limit"
        assert P1_SWEEP_LRS[ok] == line.lrs[ok]
    assert lim.momentum_limit_lower
    x = lim.gd_ok.xy[:3, 0] - 1
    assert lim.gd_ok.kl(0) > lim.gd_ok.kl(1) > 2 > lim.gd_ok.kl(2) and lim.gd_ok.diverged_step < 0, \
        "P1: 'Gradient descent at 2.4 × 10⁻⁴ ... overshoots twice ... then ... on the gentle floor, where it is stable'"
    assert x[0] * x[1] < 0 and x[1] * x[2] < 0 and abs(x[0]) > abs(x[1]) > abs(x[2]), \
        "P1: 'overshoots twice, less each time'"
    assert 2 < lim.gd_bad.kl(1) < lim.gd_bad.kl(2) and lim.gd_bad.diverged_step > 0, \
        "P1: 'every further step overshoots further ... and the run diverges'"
    assert lim.mom_bad.kl(2) > lim.heavy_ball and lim.mom_bad.diverged_step > 0, \
        "P1: 'beyond even the heavy-ball bound of 3.8; the run diverges'"
    assert lim.mom_ok_peak < lim.heavy_ball and lim.mom_ok.diverged_step < 0, \
        "P1: 'the largest κλmax it meets in its first ten steps is ..., and it survives'"
    assert math.isclose(lim.heavy_ball / 2, 1.9), "P1: 'it would tolerate almost twice the rate'"
