"""What the report's chapters call: cached results of an experiment, never computed here."""

from __future__ import annotations

from typing import Any

from . import cache, registry


def load(experiment: str) -> list[dict[str, Any]]:
    """Every run of ``experiment`` as ``{"config", "result", "meta"}``, in registry order.

    Raises :class:`~hw7.errors.CacheMissing` (with the command that computes it) rather than training.
    """
    return [cache.read_entry(run) for run in registry.get(experiment).runs]


def load_one(experiment: str, **match: Any) -> dict[str, Any]:
    """The single run of ``experiment`` whose config has the given values."""
    found = [e for e in load(experiment) if all(e["config"].get(k) == v for k, v in match.items())]
    if len(found) != 1:
        raise LookupError(f"{len(found)} runs of {experiment!r} match {match}")
    return found[0]
