"""The long runs on distorted data (@sec-p2-c-record, @sec-p3-c-record and the preface's ++ rows):
each sentence pinned to the findings the chapters print. A failure quotes the sentence to rewrite."""

from __future__ import annotations

import pytest

from claim_check import claim
from hw7.findings import records


@pytest.fixture(scope="module")
def shallow():
    return records.shallow()


@pytest.fixture(scope="module")
def deep():
    return records.deep()


def test_the_shallow_distortion_was_chosen_on_validation(shallow):
    claim(shallow.chosen_is_best_probe and shallow.choice == "r2.a",
          "affine distortions reached [x], affine and elastic together [y], so the test runs use affine ones")


def test_the_control_differs_in_the_distortions_alone(shallow, deep):
    for r in (shallow, deep):
        a = {k: v for k, v in r.final.config.items() if k != "augment"}
        claim(a == r.control.config and "augment" not in r.control.config,
              "Their control trains the same network with the same schedule and epochs on the original images")


def test_p2_record_answer(shallow):
    claim(not shallow.reached,
          "This network, trained for [epochs] epochs on distorted images, reaches [acc] … [x] points short of our target")
    claim(shallow.vs_control.sign > 0, "The distortions alone add [x] points … ([p])")
    claim(shallow.vs_earlier.sign > 0, "Against the earlier expanded network ([acc]) the gain is [x] points ([p])")
    claim(abs(shallow.final.last5_change) < 0.001, "the curve is flat by then")
    claim(shallow.probe("r2.b").val_acc < shallow.probe("r2.a").val_acc,
          "Simard et al. trained with elastic distortions, and ours scored below affine ones on the validation split")


def test_p3_record_seed_counts_match_the_captions(deep):
    claim(deep.final.acc.n == deep.control.acc.n == deep.earlier.acc.n == 3,
          "fig-p3-record / tbl-p3-record captions: mean over 3 seeds")


def test_p3_record_answer(deep):
    claim(not deep.reached, "Longer training brings the deep network to [acc] on the test set, [x] points short of our target")
    claim(all(deep.final.acc.mean < lit.accuracy for lit in deep.literature), "and below both results of Cireşan et al.")
    claim(deep.vs_control.sign > 0, "The distortions alone add [x] points … ([p])")
    claim(deep.vs_earlier.sign > 0, "Against the earlier expanded run … the gain is [x] points ([p])")
    a = {k: v for k, v in deep.final.config.items() if k not in ("scheduler", "epochs")}
    b = {k: v for k, v in deep.earlier.config.items() if k not in ("scheduler", "epochs")}
    claim(a == b, "the earlier expanded run, which differs only in its schedule")
    claim(abs(deep.final.last5_change) < 0.001, "By the last epochs the curve is flat")


def test_p3_record_beats_the_shallow_record():
    from hw7.findings import p3

    claim(p3.load().record_vs_shallow_record.sign > 0,
          "The deep network also stays ahead of the one-hidden-layer network trained for long on distorted images")
