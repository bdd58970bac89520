"""What the report's chapters call: cached results of an experiment, never computed here."""

from __future__ import annotations

from hw7.entry import Entry
from hw7.store import cache, registry


def load(experiment: str) -> list[Entry]:
    """Every run of ``experiment`` as ``{"config", "result", "meta"}``, in registry order.

    Raises :class:`~hw7.errors.CacheMissing` (with the command that computes it) rather than training.
    """
    return [cache.read_entry(run) for run in registry.get(experiment).runs]

