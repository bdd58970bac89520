"""The long runs on distorted data (@sec-p2-c-record, @sec-p3-c-record and the preface's ++ rows):
each sentence pinned to the findings the chapters print. A failure quotes the sentence to rewrite."""

from __future__ import annotations

import pytest

from hw7.findings import records


def claim(holds: bool, sentence: str) -> None:
    assert holds, f"the cache no longer supports this sentence; rewrite it: “{sentence}”"


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
