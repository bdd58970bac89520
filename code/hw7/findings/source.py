"""The one place findings read their inputs: cached entries, ``cache/summary.json`` and the benchmarks.

Keeping the reads here means a change in how a file is loaded (a verified summary loader, say) is a
one-line change for every chapter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hw7 import project, safe_io
from hw7.entry import Entry  # noqa: E402  (re-exported for the findings modules)
from hw7.specs import loads_strict
from hw7.store import loader, summary
from hw7.store.summary import BenchmarkCorrupt

#: per-epoch cost of each distortion against a plain epoch (benchmarks/bench_augment.py), in the project
AUGMENT_BENCHMARK = Path("benchmarks") / "augment_results.json"


def entries(experiment: str) -> list[Entry]:
    """Every cached run of ``experiment``, in registry order (never trains)."""
    return loader.load(experiment)


def summary_values() -> dict[str, Any]:
    """The headline numbers of ``cache/summary.json``."""
    return summary.read()


def perf_benchmark() -> dict[str, Any]:
    """The training-speed benchmark (benchmarks/results.json; empty where it was not run)."""
    return summary.benchmark()


def benchmark(path: Path | None = None) -> dict[str, Any] | None:
    """The distortion benchmark, or None where it was not run on this checkout; a damaged file (truncated,
    a key twice, not a JSON object) stops the chapter with one line."""
    path = path or project.root() / AUGMENT_BENCHMARK
    try:
        bench = loads_strict(safe_io.read_text(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BenchmarkCorrupt(f"{path} is damaged ({exc.__class__.__name__}: {exc}); restore it "
                               "(`git checkout -- benchmarks/`) or measure again with benchmarks/bench_augment.py") from None
    if not isinstance(bench, dict):
        raise BenchmarkCorrupt(f"{path} is not a JSON object; restore it (`git checkout -- benchmarks/`)")
    return bench
