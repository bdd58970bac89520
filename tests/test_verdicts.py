"""The rules behind `hw7 verify`'s verdicts (hw7.instructors.verdicts) and the machine fingerprint (hw7.store.fingerprint)."""

from __future__ import annotations

import math

import pytest

from hw7.instructors import verdicts
from hw7.store import fingerprint


def test_rounding_tolerance_grows_with_the_steps_compared():
    assert verdicts.rounding_rtol(verdicts.U32, 6000) == pytest.approx(4 * 2.0 ** -24 * 6000)  # ~1.4e-3
    assert verdicts.rounding_rtol(verdicts.U64, 0) == 4 * 2.0 ** -53  # at least one step
    assert verdicts.steps_compared("mnist", {"epochs": 30, "batch_size": 10, "eval": "test"}, epochs=1) == 6000
    assert verdicts.steps_compared("mnist", {"epochs": 30, "batch_size": 100, "eval": "val"}) == 30 * 500
    assert verdicts.steps_compared("rosenbrock", {"steps": 300}) == 300
    assert verdicts.steps_compared("zoo", {"iterations": 3000, "seed": 1}) == 3000
    _, why = verdicts.equivalence_tolerance("numpy_gradcheck", 1)
    assert "order of magnitude" in why


@pytest.mark.parametrize("cached, fresh, others, ok, says", [
    (0.960, 0.962, [0.958, 0.961], True, "2 other seeds"),       # within the floor (0.5 point)
    (0.960, 0.970, [0.958, 0.961], False, "> 0.0090"),           # 1 point: beyond 3·√2·sd 0.0021 = 0.009
    (0.960, 0.985, [0.94, 0.98], True, "2 other seeds"),         # seeds spread widely: a wide band
    (0.960, 0.964, [], True, "floor 0.005 (0 other"),            # a single cached seed: floor alone
    (0.960, 0.966, [0.95], False, "floor 0.005 (1 other"),
    (None, None, [0.9, 0.9], True, "diverged both"),
    (None, 0.9, [0.9, 0.9], False, "none of the 2"),
    (0.9, None, [None, 0.9], True, "1 of the 2 other seed(s) diverged"),
])
def test_consistency_rule(cached, fresh, others, ok, says):
    verdict = verdicts.consistency(cached, fresh, others)
    assert verdict.ok is ok and says in verdict.text, verdict.text


def test_consistency_band_is_three_root_two_standard_deviations():
    others = [0.90, 0.92, 0.94]  # sd 0.02 -> band 3·√2·0.02 = 0.0849
    assert verdicts.consistency(0.92, 0.92 + 0.084, others).ok
    assert not verdicts.consistency(0.92, 0.92 + 0.086, others).ok
    assert "0.0849" in verdicts.consistency(0.92, 0.93, others).text


def test_accuracy_at_the_compared_epoch():
    result = {"eval_acc": [0.5, 0.8, math.nan], "diverged_epoch": 3}
    assert verdicts.accuracy_at("mnist", result, epochs=2) == 0.8
    assert verdicts.accuracy_at("mnist", result) is None  # NaN: diverged
    assert verdicts.diverged("mnist", result) and not verdicts.diverged("mnist", result, epochs=2)
    assert verdicts.accuracy_at("zoo", {"final_test_acc": 0.97}) == 0.97
    assert verdicts.accuracy_at("rosenbrock", {"final_dist": 1.0}) is None


def test_fingerprint_comparison(monkeypatch):
    here = fingerprint.current("cpu")
    meta = {"versions": {"python": "3.11.7"}, "device": "cpu", "machine": dict(here)}
    same = fingerprint.compare(meta, {"python": "3.11.7", "torch": "x"}, "cpu", here)
    assert same.same and same.describe() == "same machine fingerprint and libraries"
    assert not fingerprint.compare({**meta, "machine": None}, {"python": "3.11.7"}, "cpu", here).known
    other = fingerprint.compare(meta, {"python": "3.12.0"}, "cuda", {**here, "threads": 99})
    assert not other.same
    assert {"python 3.11.7 -> 3.12.0", "device cpu -> cuda"} <= set(other.changes)
    monkeypatch.setenv(fingerprint.SIMULATE_ENV, "Elsewhere")
    assert fingerprint.current("cpu")["cpu"] == "Elsewhere (simulated)"
    assert not fingerprint.compare(meta, {"python": "3.11.7"}, "cpu", fingerprint.current("cpu")).same


def test_fingerprint_records_what_decides_the_kernels():
    import torch  # noqa: F401  (the torch fields are recorded only when torch is loaded)

    here = fingerprint.current("cpu")
    known = {"DEFAULT", "AVX2", "AVX512", "NO AVX", "ZVECTOR", "VSX"}
    assert here["cpu"] and here["threads"] >= 1 and here["cpu_capability"] in known | {here["cpu_capability"]}
