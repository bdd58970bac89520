"""The rules ``hw7 verify`` judges a recomputation by: four graded verdicts.

A cached run is recomputed and compared with its entry. What agreement to demand depends on where
the recomputation ran (:mod:`hw7.store.fingerprint`) and how much of it was recomputed:

``identical``
    Same machine fingerprint and libraries, same batch: the same kernels run in the same order,
    so every number must be bit-identical.
``equivalent``
    Another (or an unknown) machine or device, another batch composition: the kernels may sum in
    another order, so each result may differ by rounding. Every float must agree within
    :func:`rounding_rtol` — the unit roundoff of the arithmetic times ``ROUNDING_UNITS_PER_STEP``
    times the number of sequential steps compared (derivation there); counts, steps, epochs and
    chosen learning rates stay exact. For training kinds the accuracy must in addition pass the
    consistency rule below: over many steps the linear rounding bound grows looser than the
    seeds' spread, and a headline accuracy must never move further than that.
``consistent``
    Training runs only, when the histories differ beyond that tolerance: on another machine, tiny
    rounding differences are amplified by training's chaotic dynamics until the two trajectories
    decorrelate, like two seeds. (In a partial recomputation only when its training and evaluation
    losses both differ: with batch norm, dropout or distortions that can happen within one epoch.)
    The recomputed accuracy at the last compared epoch (the final accuracy of a full recomputation)
    is then judged against the spread of the *cached seeds of the same config* with the rule of
    :func:`consistency`.
``MISMATCH``
    Beyond all of that: a difference the machine difference does not explain (a wrong or tampered
    entry, or code that no longer computes what was cached).

Both the identical and the equivalent verdicts vouch for every number of the entry; ``consistent``
vouches for its accuracy only (the last bits of a chaotic history cannot be reproduced elsewhere —
verify on the machine of the fingerprint, or with ``--epochs 1``, to check those).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from hw7.instructors.tolerances import PERF, PROVENANCE, Rule, Tolerance

IDENTICAL, EQUIVALENT, CONSISTENT, MISMATCH = "identical", "equivalent", "consistent", "MISMATCH"
PASSING = (IDENTICAL, EQUIVALENT, CONSISTENT)

#: unit roundoff (half the distance from 1 to the next number) of float32 and float64
U32 = 2.0 ** -24
U64 = 2.0 ** -53

#: rounding units a training step may add to the relative difference between two machines (see rounding_rtol)
ROUNDING_UNITS_PER_STEP = 4

#: accuracy band floor of the consistency rule: half a percentage point (see consistency)
ACCURACY_FLOOR = 0.005
#: band width in standard deviations of the difference of two runs
SIGMAS = 3.0


@dataclass(frozen=True)
class Profile:
    """How a kind computes: its arithmetic, and where its accuracy and divergence are recorded."""

    unit: float  # unit roundoff of the arithmetic that accumulates over steps
    precision: str
    accuracy: str | None = None  # result field of the evaluation accuracy (a per-epoch list or a number)
    diverged: str | None = None  # result field that is not None when the run diverged
    rounding_level: bool = False  # the results *are* rounding errors (finite-difference checks)


PROFILES: dict[str, Profile] = {
    "mnist": Profile(U32, "float32", "eval_acc", "diverged_epoch"),
    "zoo": Profile(U32, "float32", "final_test_acc", "diverged_iteration"),
    "numpy_net": Profile(U64, "float64", "eval_acc", "diverged_epoch"),
    "rosenbrock": Profile(U64, "float64"),
    "rosenbrock_sweep": Profile(U64, "float64"),
    "lnn": Profile(U64, "float64"),
    "numpy_gradcheck": Profile(U64, "float64", rounding_level=True),
}
DEFAULT_PROFILE = Profile(U32, "float32")


def profile(kind: str) -> Profile:
    return PROFILES.get(kind, DEFAULT_PROFILE)


def steps_compared(kind: str, config: Mapping[str, Any], epochs: int | None = None, n_train: int | None = None) -> int:
    """How many sequential update steps produced the numbers compared (at least 1).

    MNIST-like kinds: epochs compared x mini-batches per epoch (``n_train`` training images: 60,000,
    or 50,000 with the validation split); others: their ``steps``, ``iterations`` or ``epochs``.
    """
    if kind in ("mnist", "numpy_net"):
        if n_train is None:
            from hw7.mnist.data import validation_size

            n_train = 60_000 - (validation_size(60_000) if config.get("eval") == "val" else 0)
        total = int(config.get("epochs", 1))
        done = total if epochs is None else min(epochs, total)
        return max(1, done * math.ceil(n_train / int(config.get("batch_size", 1))))
    for name in ("steps", "iterations", "epochs"):
        value = config.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return max(1, value)
    return 1


def rounding_rtol(unit: float, steps: int) -> float:
    """Relative tolerance for two computations of ``steps`` sequential steps that round differently.

    Derivation. On another CPU (or GPU, or in another batch) the same step runs other matrix
    kernels, which add the same products in another order. Each result of a step then differs by
    a few units of roundoff ``u`` (2^-24 ~ 6.0e-8 for float32, 2^-53 ~ 1.1e-16 for float64) in
    relative terms: a sum of ``n`` terms reordered is bounded by ``n*u`` in the worst case, but
    the blocked kernels' partial sums keep the typical difference at a few ``u``. We allow
    ``c = ROUNDING_UNITS_PER_STEP = 4`` units per step: the forward pass, the backward pass,
    the parameter update and the evaluation each contribute about one. While training is not
    yet chaotic, the differences made at each step are carried forward without being amplified,
    so after ``S`` steps they add up to at most ``c * u * S``. (Beyond that regime they grow
    faster; verify then falls back to the ``consistent`` rule.) Example: one epoch of batch 10 on
    60,000 images, float32: 4 * 6.0e-8 * 6,000 = 1.4e-3.
    """
    return ROUNDING_UNITS_PER_STEP * unit * max(1, steps)


def equivalence_tolerance(kind: str, steps: int) -> tuple[Tolerance, str]:
    """The tolerance of the ``equivalent`` verdict for ``steps`` steps of ``kind``, and a sentence saying so."""
    prof = profile(kind)
    if prof.rounding_level:
        # a finite-difference check's result is itself a rounding error (a difference of nearly equal
        # numbers divided by h): another machine changes it by a large factor; demand the same
        # order of magnitude (rtol 0.9: the smaller is at least a tenth of the larger)
        rtol, why = 0.9, "same order of magnitude (these results are rounding errors themselves)"
    else:
        rtol = rounding_rtol(prof.unit, steps)
        why = f"{prof.precision} rounding over {steps:,} step(s), rtol {rtol:.2g}"
    rules = (
        PERF,
        PROVENANCE,
        Rule("learning rate", ("*lr*",), exact=True),
        Rule("count/step", ("*step*", "*epoch", "*epochs", "diverged_epoch", "diverged_iteration", "iterations",
                            "*params*", "*count*"), exact=True),
        Rule(f"{prof.precision} rounding", ("*",), rtol=rtol),
    )
    return Tolerance(rules), why


# ------------------------------------------------------------------------------------------------
# The consistency rule


def accuracy_at(kind: str, result: Mapping[str, Any], epochs: int | None = None) -> float | None:
    """The accuracy at the last compared epoch (the final one without ``epochs``); None if diverged or absent."""
    prof = profile(kind)
    if prof.accuracy is None:
        return None
    value = result.get(prof.accuracy)
    if isinstance(value, list):
        if not value:
            return None
        value = value[min(epochs, len(value)) - 1] if epochs else value[-1]
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def diverged(kind: str, result: Mapping[str, Any], epochs: int | None = None) -> bool:
    prof = profile(kind)
    if prof.diverged is None:
        return False
    at = result.get(prof.diverged)
    return at is not None and (epochs is None or prof.diverged != "diverged_epoch" or at <= epochs)


@dataclass
class Consistency:
    ok: bool
    text: str


def consistency(cached: float | None, fresh: float | None, others: Sequence[float | None]) -> Consistency:
    """Is a recomputation elsewhere a plausible other draw of the cached run?

    ``cached`` and ``fresh`` are the run's accuracy in the entry and recomputed (None: diverged);
    ``others`` the same quantity in the cached entries of the same config with other seeds.

    Rule. Recomputed on another machine, a chaotic training run is in effect a new draw of the
    config — as if it had another seed, but with the same initialisation and data order, so its
    spread is at most the seeds' spread. The difference of two independent draws with standard
    deviation sigma has standard deviation sqrt(2)*sigma. We estimate sigma by the sample standard
    deviation ``s`` of the other seeds' accuracies and accept

        |cached - fresh| <= max(3 * sqrt(2) * s, ACCURACY_FLOOR)

    (3 standard deviations: ~0.3 % false alarms for normal noise). The floor of 0.5 percentage
    point (50 of 10,000 images) keeps the band honest when ``s`` comes from only two or three
    seeds that happen to agree closely: the binomial standard error of an accuracy measured on
    10,000 images is up to 0.5 point, so two trained nets cannot be expected to agree more closely.
    With fewer than two other finite seeds (a config with a single cached seed, say) ``s`` is
    undefined and the floor alone applies.

    Divergence: both diverged is consistent; one diverged and the other not is consistent only if
    at least one of the other seeds diverged too (the config is known to sit on the edge).
    """
    finite = [v for v in others if v is not None]
    some_diverged = len(finite) < len(others)
    if cached is None and fresh is None:
        return Consistency(True, "diverged both in the entry and recomputed")
    if cached is None or fresh is None:
        which = "the entry" if cached is None else "the recomputation"
        if some_diverged:
            return Consistency(True, f"only {which} diverged; {len(others) - len(finite)} of the {len(others)} "
                                     "other seed(s) diverged too (a config on the edge)")
        return Consistency(False, f"only {which} diverged, and none of the {len(others)} other seed(s) did")
    if len(finite) >= 2:
        s = statistics.stdev(finite)
        band = max(SIGMAS * math.sqrt(2) * s, ACCURACY_FLOOR)
        how = (f"max(3·√2·sd {s:.4f} of {len(finite)} other seeds, floor {ACCURACY_FLOOR})")
    else:
        band = ACCURACY_FLOOR
        how = f"floor {ACCURACY_FLOOR} ({len(finite)} other finite seed(s): no spread to estimate)"
    delta = abs(cached - fresh)
    ok = delta <= band
    return Consistency(ok, f"accuracy cached {cached:.4f} vs recomputed {fresh:.4f}: |Δ| {delta:.4f} "
                           f"{'<=' if ok else '>'} {band:.4f} = {how}")


def same_config_other_seeds(run: Any, candidates: Sequence[Any]) -> list[Any]:
    """Runs of ``candidates`` (registry runs) of the same kind and config as ``run`` but another seed."""
    def strip(config: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in config.items() if k != "seed"}

    mine = strip(run.config)
    if "seed" not in run.config:
        return []
    seen: set[str] = {run.key}
    out = []
    for other in candidates:
        if other.kind == run.kind and other.key not in seen and "seed" in other.config and strip(other.config) == mine:
            seen.add(other.key)
            out.append(other)
    return out
