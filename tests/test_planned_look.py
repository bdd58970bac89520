"""One planned look at the test set: every test entry was created after every validation entry that chose it.

The record (``hw7.mnist.experiments.LOOKS``) names, per answer, the validation experiments that made a choice
and the test experiments that evaluate it; the committed entries' ``meta.created`` times say in which order
they actually ran. The one known exception (the deep net's first long run, tested before its length search)
is marked in the record, and its order is checked to be the one the record states.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import pytest

from hw7.mnist import experiments as mx
from hw7.store import cache, registry

MNIST = {spec.name: spec for spec in mx.experiments()}


def _split(name: str) -> str:
    splits = {c["eval"] for c in MNIST[name].configs}
    assert len(splits) == 1, f"{name} mixes evaluation splits {splits}"
    return splits.pop()


def _created(name: str) -> list[datetime]:
    """Creation times of the committed entries of ``name`` (runs not trained yet are skipped)."""
    runs = [r for r in registry.get(name).runs if cache.has_entry(r)]
    return [datetime.fromisoformat(cache.read_entry(r)["meta"]["created"]) for r in runs]


@pytest.fixture(scope="module")
def created() -> dict[str, list[datetime]]:
    names = {n for look in mx.LOOKS for n in (*look.chose_on, *look.tested_in, *look.tested_before)}
    return {n: _created(n) for n in sorted(names)}


def out_of_order(before: Iterable[str], after: Iterable[str], times: Mapping[str, list[datetime]]) -> list[str]:
    """Pairs of experiments where some entry of an ``after`` experiment is not newer than every entry of a
    ``before`` experiment (the rule: each test entry created after every validation entry that chose it)."""
    bad = []
    for b in before:
        for a in after:
            if not times[b] or not times[a]:
                bad.append(f"{b} -> {a}: no committed entries to order")
            elif min(times[a]) <= max(times[b]):
                bad.append(f"{b} (last {max(times[b]):%Y-%m-%d %H:%M}) -> {a} (first {min(times[a]):%Y-%m-%d %H:%M})")
    return bad


def test_every_mnist_experiment_is_in_the_record_with_the_right_split():
    tested = [n for look in mx.LOOKS for n in look.tested_in]
    validation = {n for look in mx.LOOKS for n in (*look.chose_on, *look.post_hoc, *look.tested_before)}
    assert len(tested) == len(set(tested)), "a test experiment is evaluated in two looks"
    assert set(tested) | validation <= set(MNIST), "the record names an experiment the registry lacks"
    assert {n for n in MNIST if _split(n) == "test"} == set(tested)
    assert {n for n in MNIST if _split(n) == "val"} == validation
    assert all(_split(n) == "val" for n in validation)


def test_post_hoc_checks_chose_nothing_and_exceptions_give_a_reason():
    chose = {n for look in mx.LOOKS for n in look.chose_on}
    for look in mx.LOOKS:
        assert not set(look.post_hoc) & chose, f"{look.problem}: a post-hoc check is also a selection"
        assert bool(look.tested_before) == bool(look.reason), look.problem
        assert look.choice and look.tested_in, look.problem
    assert sum(bool(look.tested_before) for look in mx.LOOKS) == len(mx.RECORD_FIRST)


def test_each_test_entry_follows_every_validation_entry_that_chose_it(created):
    bad = [f"{look.problem}: {pair}" for look in mx.LOOKS for pair in out_of_order(look.chose_on, look.tested_in, created)]
    assert bad == []
    assert sum(len(look.chose_on) * len(look.tested_in) for look in mx.LOOKS) >= 15  # the check is not vacuous


def test_the_marked_exception_ran_in_the_order_it_states(created):
    """The first long run's test entries are all older than its length search's validation entries."""
    for look in (lk for lk in mx.LOOKS if lk.tested_before):
        assert out_of_order(look.tested_in, look.tested_before, created) == [], look.problem
        # and the regular rule, for the choices it did follow
        assert out_of_order(look.chose_on, look.tested_in, created) == [], look.problem


def test_the_order_check_can_fail():
    t = [datetime.fromisoformat(f"2026-11-21T0{h}:00:00+00:00") for h in range(6)]
    times = {"val": [t[0], t[3]], "test": [t[2], t[5]], "late": [t[4]], "empty": []}
    assert out_of_order(["val"], ["late"], times) == []
    assert len(out_of_order(["val"], ["test"], times)) == 1  # a test entry at 02:00 precedes a validation one at 03:00
    assert out_of_order(["val"], ["empty"], times) == ["val -> empty: no committed entries to order"]
