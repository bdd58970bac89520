"""The one place findings read their inputs: cached entries, ``cache/summary.json`` and the benchmarks.

Keeping the reads here means a change in how a file is loaded (a verified summary loader, say) is a
one-line change for every chapter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hw7 import project
from hw7.entry import Entry  # noqa: E402  (re-exported for the findings modules)
from hw7.store import loader, summary

#: per-epoch cost of each distortion against a plain epoch (benchmarks/bench_augment.py), in the project
AUGMENT_BENCHMARK = Path("benchmarks") / "augment_results.json"


def entries(experiment: str) -> list[Entry]:
    """Every cached run of ``experiment``, in registry order (never trains)."""
    return loader.load(experiment)


def summary_values() -> dict[str, Any]:
    """The headline numbers of ``cache/summary.json``."""
    return summary.read()


def benchmark(path: Path | None = None) -> dict[str, Any] | None:
    """The distortion benchmark (of the project, :mod:`hw7.project`), or None where it was not run there."""
    try:
        return json.loads((path or project.root() / AUGMENT_BENCHMARK).read_text())
    except FileNotFoundError:
        return None
