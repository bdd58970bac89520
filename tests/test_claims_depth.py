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


def test_the_depth_ranking_is_the_books_best_rule(d):
    for b in d.budgets:
        rank = stats.best({k: cell.val.values for k, cell in b.cells.items()})
        claim(P3, b.best == rank.top and b.tied == tuple(sorted(rank.tied)),
              "We rank the depths by the book’s rule for a best (Welch, uncorrected, against the highest mean)")


def test_depth_matters_less_than_the_budget(d):
    claim(P3, d.min_budget_gain > max(d.large.spread, d.small.spread),
          "At a fixed number of parameters, depth matters far less than the budget")
    claim(P3, all(v.sign > 0 for v in d.budget_gain.values()) and d.max_budget_p < 0.05,
          "four times the parameters adds between [min] and [max] points at every depth … [max p])")
    claim(P3, fmt.p_at_most(d.max_budget_p) >= fmt.p_at_most(max(v.p for v in d.budget_gain.values())),
          "points at every depth (…)")


def test_at_the_large_budget_all_six_depths_tie(d):
    claim(P3, d.large.tied == d.depths and len(d.depths) == 6,
          "With about 400,000 parameters, all six depths tie: they lie within [spread] points")


def test_at_the_small_budget_two_depths_tie_for_best(d):
    claim(P3, len(d.small.tied) == 2 and d.small.best in d.small.tied,
          "With about 100,000, [a] and [b] hidden layers tie for best ([mean] at [best] layers)")
    others = set(d.depths) - set(d.small.tied)
    claim(P3, set(d.small.worse) == others and len(d.small.worse) == len(d.depths) - 2,
          "the rule separates [best] layers from the other [four] depths … [max])")


def test_every_net_fits_its_training_images(d):
    claim(P3, d.max_train_loss < 0.01, "Every one of these nets fits its training images almost perfectly: no seed ends "
                                   "with a training loss above [max]. … even the 6-layer nets train")


def test_depth_bought_little(d):
    claim(P3, 1 in d.large.tied, "At about 400,000 parameters one hidden layer ties with the rest")
    one, deepest = d.small.vs_best[1], d.small.vs_best[d.depths[-1]]
    claim(P3, one.sign < 0 and deepest.sign < 0 and d.small.best not in (1, d.depths[-1]),
          "At about 100,000, [best] layers beat one by [x] points ([p]), and the deepest net lost [y] points "
          "against [best] layers")
    claim(P3, max(-one.diff, -deepest.diff) < d.min_budget_gain, "there depth, without batch norm or dropout, bought little")


def test_the_tested_net_has_the_search_highest_mean(d):
    claim(P3, d.chosen_is_best, "The net with the highest mean of this search, [widths], trained on all 60,000 images")


def test_the_depth_search_net_stays_below_the_deep_winner(d, c):
    claim(P3, stats.compare(d.test.values, c.final.values).sign < 0,
          "reaches [test]. That is below the deep winner’s [final] ([p])")
    claim(P3, c.params > d.chosen.params, "which has [ratio] times its parameters and its recipe")
