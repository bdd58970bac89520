"""Plain data every floor of the package shares: canonical JSON and what an experiment family declares.

Why a module of its own: the store (registry, cache) hashes configs and collects the families'
experiments, and the families (Problem 1, MNIST, the readings) declare them. Both need these few
definitions, and neither may import the other both ways, so they live below both.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple


def canonical_json(obj: Any) -> str:
    """One spelling per value: sorted keys, no spaces. Hashes and checksums are taken of this."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


class KindSpec(NamedTuple):
    """How runs of one kind are computed: ``runner`` is ``"module:function"``, imported only when needed
    (so listing never loads torch); bump ``version`` when the runner's numerics change: every key of that
    kind changes, and old results are no longer used."""

    runner: str
    version: int


class ExperimentSpec(NamedTuple):
    """A named group of runs of one kind, as a family declares it (the store turns it into runs and keys)."""

    name: str
    kind: str
    title: str
    configs: list[dict[str, Any]]


class DuplicateKey(ValueError):
    """A JSON object names one key twice: its text and the value a reader uses would differ."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise DuplicateKey(f"the key(s) {', '.join(map(repr, twice))} appear twice in one object")
    return dict(pairs)


def loads_strict(text: str) -> Any:
    """``json.loads`` that refuses an object naming a key twice (``json`` would keep the last one silently).

    Raises :class:`DuplicateKey` or ``json.JSONDecodeError`` (both ``ValueError``)."""
    return json.loads(text, object_pairs_hook=_no_duplicates)
