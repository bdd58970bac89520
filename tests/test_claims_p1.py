"""Chapter 1's comparative, causal and universal sentences, checked against the findings it cites.

Each assertion quotes the sentence it pins: if a rerun changes the cache so that a sentence is no
longer true, this fails and a person rewrites the sentence (the sentence is never generated).
"""

from __future__ import annotations

import math

import pytest

from claim_check import claim
from hw7.findings import p1
from hw7.findings.p1_sweep import USABLE_DIST as USABLE
from hw7.problem1.experiments import P1_LIMIT_INDICES, P1_SWEEP_LRS

#: the chapter each quote is checked against
P1 = "p1-rosenbrock"


@pytest.fixture(scope="module")
def f(request) -> p1.P1Findings:
    mp = pytest.MonkeyPatch()
    mp.delenv("HW7_CACHE_DIR", raising=False)
    request.addfinalizer(mp.undo)
    return p1.load()


def test_valley(f):
    a = f.valley
    claim(P1, a.literal_at_10 < 0,
          "which has no minimum (on … it is …")
    claim(P1, a.grad_across > 100 * a.grad_along,
          "almost flat along its floor and steep across it")
    claim(P1, a.stable_rate_start < f.sweep["momentum"].limit,
          "… well below both observed limits")
    claim(P1, f.sweep["gd"].limit < 2 / a.lam_max_star,
          "Gradient descent near the minimum is stable only for … and a rate that small crawls along the floor")
    # — GD diverges below 2/λmax of the minimum


def test_part_b(f):
    b = f.b
    reached = {r.optimizer: r.first_below for r in b.runs.values()}
    for tol in ("1e-1", "1e-2", "1e-4", "1e-6"):
        steps = {o: s[tol] for o, s in reached.items() if s[tol] >= 0}
        claim(P1, min(steps, key=steps.get) == "momentum",
              "Momentum is both the fastest ...")  # (within {tol})
    claim(P1, b.first_to_1e2 == "momentum",
          "Momentum is both the fastest … it is within 10⁻² of the minimum at step")
    claim(P1, b["momentum"].final_dist < min(b["gd"].final_dist, b["adam"].final_dist) / 1e3,
          "by far the most accurate")
    claim(P1, b["gd"].first_below["1e-2"] < 0,
          "Gradient descent has not converged after 10⁵ steps")
    claim(P1, b["momentum"].tail_step_max == 0,
          "every one of its last 10 % of steps has length 0")
    claim(P1, b["adam"].tail_dist_max > 100 * b["adam"].tail_dist_min,
          "and then never settles, wandering between")
    claim(P1, 1.3 < b.adam_early_step_k < 1.5,
          "its steps are about … long whatever the gradient")
    claim(P1, b["gd"].first_below["1e-1"] > b["momentum"].first_below["1e-1"],
          "Gradient descent drops into the valley and then creeps along its floor, where the gradient is small")
    v = f.variants
    claim(P1, 1 / 1.5 < b["adam"].tail_step_median_k / v.homework_d.tail_step_median_k < 1.5,
          "the same normalisation keeps its steps a fixed fraction of")
    claim(P1, b["adam"].eps_effect < 0.01 and min(b["adam"].s_hat_over_eps) > 100,
          "The homework’s … inside the root plays no part: over the last 10 % of the run the second moment")


def test_adam_variants(f):
    v = f.variants
    lo, hi = v.eps_final(v.rate_b)
    claim(P1, hi / lo < 10 and v.eps_factor < 2,
          "The placement of … does not matter … behave alike")
    claim(P1, hi / lo < 10 and v.eps_factor < 2,
          "with … outside the root or … the runs behave alike")
    for lr in (v.rate_b, v.rate_d):
        claim(P1, v.beta2_gain(lr) > 10,
              "Standard Adam stays closer at both rates, by a factor that depends on the rate")
    claim(P1, v.beta2_gain(v.rate_b) > 10 * v.beta2_gain(v.rate_d),
              "… times closer; at 10⁻² … against …, only … times")
    claim(P1, v.beta2_gain(v.rate_b) > 1 and v.beta2_gain(v.rate_d) > 1,
          "standard Adam … stays closer (median late distance … times smaller at … 10⁻⁴, … times at 10⁻²) "
          "but is slower, and its excursions are as large")
    claim(P1, v.beta2_slowdown(v.rate_b) > 1 and v.beta2_slowdown(v.rate_d) > 1,
          "The gain costs speed: standard Adam first gets within 10⁻² at step ... instead of ...")
    claim(P1, v.beta2_slowdown(v.rate_b) > 1 and v.beta2_slowdown(v.rate_d) > 1 and v.all_factor < 2,
          "but is slower, and its excursions are as large")
    for lr in (v.rate_b, v.rate_d):
        claim(P1, v.run(lr, "standard").tail_dist_max > v.run(lr, "homework").tail_dist_max,
              "its largest late distance is even larger than the homework’s at both rates")
    claim(P1, v.beta2_step_gain(v.rate_b) > 1000,
          "Its median late step is correspondingly short, … against …")
    sx, hx = v.standard_b.s_hat_over_eps, v.homework_b.s_hat_over_eps
    claim(P1, all(1 / 2 < a / b < 2 for a, b in zip(sx, hx)) and v.beta2_gain(v.rate_b) > 1000,
          "its … over the last 10 % is about the homework’s (… against … in … at 10⁻⁴), although its median "
          "distance is thousands of times smaller")
    claim(P1, v.standard_b.tail_step_max >= v.homework_b.tail_step_max,
          "its largest late step ... is no shorter than the homework’s")
    claim(P1, v.all_factor < 10,
          "the largest distance over the last 10 % of the steps is of the same order for all four")
    for lr in (v.rate_b, v.rate_d):
        claim(P1, v.all_tail_max(lr)[1] < lr,
              "the excursions scale with")  # (all below κ)
    # "the late steps stay a fixed fraction of κ": the same fraction at both rates, within 50 %
    (b_lo, b_hi), (d_lo, d_hi) = v.eps_step_k(v.rate_b), v.eps_step_k(v.rate_d)
    claim(P1, 1 / 1.5 < d_lo / b_lo < 1.5 and 1 / 1.5 < d_hi / b_hi < 1.5,
          "With … the late steps stay a fixed fraction of …")


def test_part_c(f):
    c = f.c
    claim(P1, c.momentum.diverged_step > 0 and c.adam.diverged_step < 0,
          "Adam copes; momentum diverges")
    claim(P1, c.gd_same_first_step,
          "The first step is the same for momentum and gradient descent")
    claim(P1, c.first_kl > 2,
          "the largest curvature is … and … …, … times the bound of 2")
    claim(P1, c.gd.diverged_step > 0,
          "plain gradient descent at this rate diverges too")
    claim(P1, c.adam_speedup > 1,
          "Adam gets within 10⁻² at step … times sooner than at")
    claim(P1, c.adam.tail_dist_max > 10 * c.adam.tail_dist_min,
          "still wandering")


def test_part_d(f):
    d = f.d
    claim(P1, d.speedup > 1,
          "Adam buys speed … Adam gets within 10⁻² of the minimum … times sooner")
    claim(P1, d.adam.final_dist > 1e6 * d.momentum.final_dist and d.momentum.first_below["1e-6"] > 0,
          "and pays in accuracy")
    claim(P1, d.adam.first_below["1e-6"] < 0,
          "never within 10⁻⁶")
    claim(P1, d.wander_ratio > 10,
          "so its wander grows with the rate")
    claim(P1, 1 / 1.5 < d.adam.tail_step_median_k / f.b["adam"].tail_step_median_k < 1.5,
          "Adam’s late steps are the same fraction of … as at 10⁻⁴")
    claim(P1, not any(f.sweep["adam"].diverged),
          "while Adam diverges at none of the 41 rates of the sweep")
    claim(P1, d.margin < 2,
          "Momentum converges but has little margin")
    sd = f.variants.standard_d
    claim(P1, sd.lr == d.adam.lr and 0 < sd.first_below["1e-2"] < d.momentum.first_below["1e-2"],
          "standard Adam … 10⁻² gets within 10⁻² only at step …, though that is still sooner than momentum")


def test_sweep_summary(f):
    s = f.sweep
    for line in (s["gd"], s["momentum"]):
        i = line.lrs.index(line.limit)
        claim(P1, all(bad for lr, bad in zip(line.lrs, line.diverged) if lr >= line.limit)
              and line.lrs[i - 1] in line.tied_best,
              "gradient descent diverges from … and momentum from …, each at its best just below its limit")
    claim(P1, not any(s["adam"].diverged) and s["adam"].usable_is_contiguous,
          "Adam diverges at no rate and ends within 10⁻² over … decades")
    claim(P1, s.adam_worst_below,
          "but below … it is the worst of the three")


def test_sweep(f):
    s = f.sweep
    for line in (s["gd"], s["momentum"]):
        after = [bad for lr, bad in zip(line.lrs, line.diverged) if lr >= line.limit]
        claim(P1, all(after),
              "Gradient descent diverges from … upward and momentum from …")
        i = line.lrs.index(line.limit)
        claim(P1, line.lrs[i - 1] in line.tied_best,
              "Just below its limit each is at its best")
    m = s["momentum"]
    claim(P1, len(m.tied_best) == 3 and m.tied_dists()[1] < 1e-12,
          "For momentum that is a tie: at each of the 3 rates from 7.5 × 10⁻⁵ to 1.3 × 10⁻⁴ it ends between ...")
    claim(P1, f.b["momentum"].lr in m.tied_best and f.b["momentum"].tail_step_max == 0,
          "where (at 10⁻⁴, part b) its steps have become too small to move the iterate at all")
    claim(P1, s.adam_short_lrs and s.adam_long_enough and max(s.adam_short_lrs) < min(s.adam_long_enough),
          "Up to 3.2 × 10⁻⁵, steps of about … cannot cover … even in a straight line")
    claim(P1, s.adam_dist(s.adam_long_enough[0]) > USABLE,
          "At 4.2 × 10⁻⁵ ... yet Adam ends ... away")
    claim(P1, s["momentum"].limit < s["gd"].limit,
          "momentum’s limit is ... times lower")
    claim(P1, s.adam_worst_below,
          "Below 5.6 × 10⁻⁵ it is the worst of the three")
    claim(P1, s.adam_straight_line_error() < 0.02,
          "Up to … 10⁻⁵ … walked almost straight")
    claim(P1, s["adam"].usable_is_contiguous,
          "Adam ends within 10⁻² of the minimum at every rate")  # (of its band)
    claim(P1, max(s["adam"].usable) == max(s["adam"].lrs),
          "From 5.6 × 10⁻⁵ to 10⁻¹")
    claim(P1, s["adam"].usable_decades > 3,
          "tolerance of large rates, over more than three decades")
    claim(P1, s["adam"].usable_decades > max(s["gd"].usable_decades, s["momentum"].usable_decades),
          "momentum does so over 1.0 decade ... and gradient descent over 0.25")
    assert s["momentum"].usable_is_contiguous and s["gd"].usable_is_contiguous
    claim(P1, s.adam_last_decade > 10 * s.adam_first_decade,
          "Adam’s error rises with … on the whole")
    claim(P1, s.adam_falls > 0,
          "It does not rise steadily, though")
    claim(P1, s["momentum"].best_dist < s["adam"].best_dist < s["gd"].best_dist,
          "precision at a well-chosen rate is momentum’s")


def test_limits(f):
    lim = f.limits
    for opt, (ok, bad) in P1_LIMIT_INDICES.items():
        line = f.sweep[opt]
        assert line.lrs.index(line.limit) == bad and ok == bad - 1, f"P1: limit runs bracket {opt}'s limit"
        assert P1_SWEEP_LRS[ok] == line.lrs[ok]
    assert lim.momentum_limit_lower
    x = lim.gd_ok.xy[:3, 0] - 1
    claim(P1, lim.gd_ok.kl(0) > lim.gd_ok.kl(1) > 2 > lim.gd_ok.kl(2) and lim.gd_ok.diverged_step < 0,
          "Gradient descent at 2.4 × 10⁻⁴ … overshoots twice … then … on the gentle … where it is stable")
    claim(P1, x[0] * x[1] < 0 and x[1] * x[2] < 0 and abs(x[0]) > abs(x[1]) > abs(x[2]),
          "overshoots twice, less each time")
    claim(P1, 2 < lim.gd_bad.kl(1) < lim.gd_bad.kl(2) and lim.gd_bad.diverged_step > 0,
          "every further step overshoots further ... and the run diverges")
    claim(P1, lim.mom_bad.kl(2) > lim.heavy_ball and lim.mom_bad.diverged_step > 0,
          "beyond even the heavy-ball bound of 3.8; the run diverges")
    claim(P1, lim.mom_ok_peak < lim.heavy_ball and lim.mom_ok.diverged_step < 0,
          "the largest … it meets in its first ten steps is …, and it survives")
    claim(P1, math.isclose(lim.heavy_ball / 2, 1.9),
          "it would tolerate almost twice the rate")
