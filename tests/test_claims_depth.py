"""Problem 3(c), "How many hidden layers?": each sentence of @sec-p3-c-depth pinned to the findings
the chapter prints (hw7.findings.p3.load().depth). A failure quotes the sentence to rewrite."""

from __future__ import annotations

import pytest

from hw7.findings import p3


def claim(holds: bool, sentence: str) -> None:
    assert holds, f"the cache no longer supports this sentence; rewrite it: “{sentence}”"


@pytest.fixture(scope="module")
def f():
    return p3.load()


def test_the_tested_net_is_the_search_best(f):
    claim(f.depth.chosen_is_best, "The best net of this search, [P3C_DEPTH_CHOICE], trained on all 60,000 images")


def test_at_the_large_budget_no_depth_is_separable_from_the_best(f):
    d = f.depth
    claim(d.large.tied == d.depths, "the rule separates none of them from the best")
    claim(d.large.spread < 0.005, "the six depths lie within [spread] points of each other (depth barely matters)")


def test_at_the_small_budget_one_depth_is_worse(f):
    d = f.depth
    claim(len(d.small.worse) == 1, "the best ... is separated only from [one depth] layers")
    claim(d.small.spread < 0.005, "At a fixed number of parameters, depth barely matters in this range")


def test_the_budget_moves_the_accuracy_at_every_depth(f):
    d = f.depth
    claim(all(v.sign > 0 for v in d.budget_gain.values()),
          "four times the parameters adds between [min] and [max] points at every depth (each at p ≤ [max p])")
    claim(d.min_budget_gain > max(d.large.spread, d.small.spread),
          "The budget is what moves the accuracy")


def test_every_net_fits_its_training_images(f):
    claim(f.depth.max_train_loss < 0.02, "Every one of these nets fits its training images almost perfectly")


def test_the_depth_search_best_stays_below_the_deep_winner(f):
    claim(f.depth_vs_winner.sign < 0, "reaches [test], below the deep winner’s [final] ([p])")
    claim(f.c.params > f.depth.chosen.params, "which has [ratio] times its parameters and its recipe")
