"""``cache/summary.json``: the headline numbers, flat and sorted, for instructors to diff.

Each experiment that has headline numbers contributes through one function below, which reads
only that experiment's cached entries. Non-finite values are written as ``null``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

from hw7 import REPO_ROOT
from hw7.errors import CacheMissing
from hw7.mnist import summary as mnist_summary
from hw7.problem1 import summary as problem1_summary
from hw7.readings import summary as readings_summary
from hw7.store import cache, registry

#: each family's headline numbers (``METRICS``) and what they mean (``DESCRIPTIONS``), in book order
FAMILY_SUMMARIES = (problem1_summary, mnist_summary, readings_summary)

Entries = list[dict[str, Any]]


#: experiment name -> the function that turns its entries into headline numbers, from every family
METRICS: dict[str, Callable[[Entries], dict[str, Any]]] = {
    name: metric for family in FAMILY_SUMMARIES for name, metric in family.METRICS.items()}


#: written by benchmarks/bench_sweep.py (one measurement on one machine, not a cache entry)
BENCHMARK_FILE = REPO_ROOT / "benchmarks" / "results.json"


def _perf() -> dict[str, float]:
    if not BENCHMARK_FILE.is_file():
        return {}
    bench = json.loads(BENCHMARK_FILE.read_text())
    out = {"perf.sweep_speedup_vs_homework_loop": bench["ratio"],
           "perf.baseline_run_seconds": bench["baseline_run_seconds"]}
    for row in bench["engine"]:
        out[f"perf.engine_speedup.k{row['K']}"] = row["ratio_vs_homework"]
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def compute(root: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """All headline numbers that the cache can give, and the experiments still missing."""
    values: dict[str, Any] = {}
    missing: list[str] = []
    for name, metric in METRICS.items():
        if name not in registry.experiments():
            missing.append(name)
            continue
        try:
            entries = [cache.read_entry(run, root) for run in registry.get(name).runs]
        except CacheMissing:
            missing.append(name)
            continue
        values.update(metric(entries))
    values.update(_perf())
    return {k: _clean(values[k]) for k in sorted(values)}, missing


def summary_path(root: Path | None = None) -> Path:
    return (root or cache.cache_root()) / "summary.json"


def write(root: Path | None = None) -> tuple[Path, list[str]]:
    values, missing = compute(root)
    path = summary_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2, sort_keys=True, allow_nan=False) + "\n")
    return path, missing


def read(root: Path | None = None) -> dict[str, Any]:
    """The committed summary, as the report's index shows it."""
    path = summary_path(root)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise CacheMissing(f"{path} does not exist; build it with `python -m hw7 summary`") from None


#: dotted-name prefix -> what the number means (the index's table)
DESCRIPTIONS: dict[str, str] = {
    **{prefix: text for family in FAMILY_SUMMARIES for prefix, text in family.DESCRIPTIONS.items()},
    "perf.sweep_speedup_vs_homework_loop": "Engine throughput / homework-style DataLoader loop (same machine)",
    "perf.baseline_run_seconds": "Homework-style loop: seconds for the baseline run (30 epochs, batch 10)",
    "perf.engine_speedup": "Engine throughput with K runs batched / homework-style loop",
}



def describe(name: str) -> str:
    prefix = max((p for p in DESCRIPTIONS if name.startswith(p)), key=len, default=None)
    return DESCRIPTIONS[prefix] if prefix else ""


def describe_value(name: str, value: Any) -> str:
    """Numbers as a reader wants them: 4 significant digits, null shown as 'n/a'."""
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"
