"""Problem 3(c), "How many hidden layers?": each sentence of @sec-p3-c-depth pinned to the findings
the chapter prints (hw7.findings.depth, ranked by the book's one rule for a best, stats.best). The
deep winner comes from p3._part_c(), so these tests need neither the record runs nor summary.json.
A failure quotes the sentence to rewrite."""

from __future__ import annotations

import pytest

from claim_check import claim
from hw7.findings import depth, p3
from hw7.present import fmt, stats

#: the chapter each quote is checked against
P3 = "p3-deep-nets"


@pytest.fixture(scope="module")
def d():
    return depth.load()


@pytest.fixture(scope="module")
def c():
    return p3._part_c()


def test_depths_are_compared_paired_and_holm_corrected(d):
    for b in d.budgets:
        rank = stats.best({k: cell.val.values for k, cell in b.cells.items()})
        claim(P3, b.best == rank.top and set(b.holm) == set(d.depths) - {b.best}
              and all(v.p_raw is not None and v.p >= v.p_raw for v in b.holm.values()),
              "Each depth is compared with the depth of highest mean in its budget, paired by seed and "
              "Holm-corrected over the other five depths")


def test_depth_matters_less_than_the_budget(d):
    claim(P3, d.min_budget_gain > max(d.large.spread, d.small.spread),
          "At a fixed number of parameters, depth matters far less than the budget")
    claim(P3, all(v.sign > 0 for v in d.budget_gain.values()) and d.max_budget_p < 0.05,
          "four times the parameters adds between [min] and [max] points at every depth … [max p])")
    claim(P3, fmt.p_at_most(d.max_budget_p) >= fmt.p_at_most(max(v.p for v in d.budget_gain.values())),
          "points at every depth (…)")
    claim(P3, d.large.holm_worse == () and d.small.holm_worse == (d.depths[-1],),
          "after Holm’s correction no depth is clearly below its budget’s best except the deepest net at the small "
          "budget")


def test_at_the_large_budget_no_depth_is_separated(d):
    claim(P3, d.large.holm_worse == () and len(d.depths) == 6,
          "With about 400,000 parameters, no depth is separated from the best: all six lie within [spread] points")


def test_at_the_small_budget_only_the_deepest_net_falls_behind(d):
    deepest = d.small.holm[d.depths[-1]]
    claim(P3, d.small.holm_worse == (d.depths[-1],) and deepest.diff < 0 and deepest.high < 0,
          "only the deepest net, [6] layers, stays clearly below it after the correction")


def test_every_net_fits_its_training_images(d):
    claim(P3, d.max_train_loss < 0.01, "Every one of these nets fits its training images almost perfectly: no seed ends "
                                   "with a training loss above [max]. … even the 6-layer nets train")


def test_depth_bought_little(d):
    claim(P3, d.large.holm[1].sign == 0 if d.large.best != 1 else True,
          "At about 400,000 parameters one hidden layer ties with the rest")
    one = d.small.holm[1]
    claim(P3, d.small.best != 1 and one.diff < 0 and one.sign == 0,
          "one hidden layer trails [best] layers by [x] points, which Holm’s correction does not separate from "
          "noise")
    claim(P3, -one.diff < d.min_budget_gain, "there depth, without batch norm or dropout, bought little")


def test_the_tested_net_has_the_search_highest_mean(d):
    claim(P3, d.chosen_is_best, "The net with the highest mean of this search, [widths], trained on all 60,000 images")


def test_the_depth_search_net_stays_below_the_deep_winner(d, c):
    claim(P3, stats.compare(d.test.values, c.final.values).sign < 0,
          "reaches [test]. That is below the deep winner’s [final] ([p])")
    claim(P3, c.params > d.chosen.params, "which has [ratio] times its parameters and its recipe")
