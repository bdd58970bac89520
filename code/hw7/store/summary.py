"""``cache/summary.json``: the headline numbers, flat and sorted, for instructors to diff.

Each experiment that has headline numbers contributes through one function below, which reads
only that experiment's cached entries. Non-finite values are written as ``null``.

The file is never trusted on its own: :func:`read` (what the chapters call) rebuilds the numbers from
the checksummed entries and raises one line naming the keys, the experiment and the command that
fixes it when the file differs (edited by hand, or left stale by a run that stopped). That costs one
pass over the entries (0.2–0.5 s), cheap next to a chapter's render. ``hw7 verify --summary`` runs
the same check.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import hw7.mnist.metrics
import hw7.problem1.metrics
import hw7.readings.metrics
from hw7 import project, safe_io
from hw7.entry import Metric
from hw7.errors import CacheCorrupt, CacheMissing, SummaryStale
from hw7.sense import integer, mapping, need, real, series
from hw7.specs import loads_strict
from hw7.store import cache, registry

#: each family's headline numbers (``METRICS``) and what they mean (``DESCRIPTIONS``), in book order
FAMILY_METRICS = (hw7.problem1.metrics, hw7.mnist.metrics, hw7.readings.metrics)

#: experiment name -> the function that turns its entries into headline numbers, from every family
METRICS: dict[str, Metric] = {
    name: metric for family in FAMILY_METRICS for name, metric in family.METRICS.items()}


#: written by benchmarks/bench_sweep.py (one measurement on one machine, not a cache entry), in the project
BENCHMARK_FILE = Path("benchmarks") / "results.json"


def benchmark_file() -> Path:
    """The project's benchmark file (:mod:`hw7.project`), read by the summary's ``perf.*`` numbers."""
    return project.root() / BENCHMARK_FILE


class BenchmarkCorrupt(CacheCorrupt):
    """``benchmarks/results.json`` is there but truncated, edited or not what bench_sweep.py writes."""


def benchmark() -> dict[str, Any]:
    """The benchmark file as written (empty where it was not run): the one source of the ``perf.*``
    numbers, readable without verifying the whole summary (appendix C needs only these).

    A damaged file (truncated by a kill, a field missing, a number that is not one) raises one
    :class:`BenchmarkCorrupt` line instead of a traceback in ``summary``, ``verify --summary``, ``run`` and the book."""
    path = benchmark_file()
    if not path.exists():
        return {}
    where = BENCHMARK_FILE
    try:
        bench = loads_strict(safe_io.read_text(path))
        _check_benchmark(bench)
    except (OSError, ValueError) as exc:  # JSON, encoding, duplicate keys, Nonsense
        raise BenchmarkCorrupt(f"{where} is damaged ({exc.__class__.__name__}: {exc}); restore it "
                               f"(`git checkout -- {where}`) or measure again with `make bench`") from None
    return dict(bench)


def _check_benchmark(bench: Any) -> None:
    """The fields the summary reads: positive ratios and seconds, and one row per batch size K."""
    b = mapping(bench, "the file")
    for name in ("ratio", "baseline_run_seconds"):
        need(name in b, f"it lacks {name!r}")
        real(b[name], name, 0.0)
    for i, row in enumerate(series(b.get("engine"), "engine")):
        row = mapping(row, f"engine[{i}]")
        integer(row.get("K"), f"engine[{i}].K", 1)
        real(row.get("ratio_vs_homework"), f"engine[{i}].ratio_vs_homework", 0.0)


def _perf() -> dict[str, float]:
    bench = benchmark()
    if not bench:
        return {}
    out = {"perf.sweep_speedup_vs_homework_loop": bench["ratio"],
           "perf.baseline_run_seconds": bench["baseline_run_seconds"]}
    for row in bench["engine"]:
        out[f"perf.engine_speedup.k{row['K']}"] = row["ratio_vs_homework"]
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Build:
    """The headline numbers the cache gives now, where each came from, and what could not be read."""

    values: dict[str, Any] = field(default_factory=dict)  # sorted; non-finite as None
    origin: dict[str, str] = field(default_factory=dict)  # metric -> experiment (or the benchmark file)
    missing: list[str] = field(default_factory=list)  # experiments with a run not cached
    corrupt: dict[str, str] = field(default_factory=dict)  # experiment -> the first damaged entry's message


def build(root: Path | None = None) -> Build:
    """Every headline number the cache can give. A missing or damaged experiment is left out and
    named, so one bad entry elsewhere never keeps the rest of the summary from being rebuilt."""
    out = Build()
    for name, metric in METRICS.items():
        if name not in registry.experiments():
            out.missing.append(name)
            continue
        try:
            entries = [cache.read_entry(run, root) for run in registry.get(name).runs]
        except CacheMissing:
            out.missing.append(name)
            continue
        except CacheCorrupt as exc:
            out.corrupt[name] = str(exc)
            continue
        numbers = metric(entries)
        out.values.update(numbers)
        out.origin.update(dict.fromkeys(numbers, name))
    try:
        perf = _perf()
    except BenchmarkCorrupt as exc:  # the perf.* numbers are left out and named, like a damaged entry
        perf = {}
        out.corrupt[str(BENCHMARK_FILE)] = str(exc)
    out.values.update(perf)
    out.origin.update(dict.fromkeys(perf, str(BENCHMARK_FILE)))
    out.values = {k: _clean(out.values[k]) for k in sorted(out.values)}
    return out


def compute(root: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """All headline numbers that the cache can give, and the experiments still missing or damaged."""
    built = build(root)
    return built.values, built.missing + list(built.corrupt)


def summary_path(root: Path | None = None) -> Path:
    return (root or cache.cache_root()) / "summary.json"


def write(root: Path | None = None) -> tuple[Path, Build]:
    """Rebuild the file from the entries, atomically (a reader never sees half of it)."""
    built = build(root)
    path = summary_path(root)

    def dump(handle: IO[str]) -> None:
        handle.write(json.dumps(built.values, indent=2, sort_keys=True, allow_nan=False) + "\n")

    cache.atomic_write(path, dump)
    return path, built


def read_file(root: Path | None = None) -> dict[str, Any]:
    """The file as stored, unchecked (only :func:`check` and tests need it; chapters use :func:`read`)."""
    path = summary_path(root)
    try:
        values = loads_strict(safe_io.read_text(path))
    except FileNotFoundError:
        raise CacheMissing(f"{path} does not exist; build it with `python -m hw7 summary`") from None
    except (OSError, ValueError) as exc:  # JSONDecodeError, UnicodeDecodeError, DuplicateKey are ValueErrors
        raise SummaryStale(f"{path} is unreadable ({exc.__class__.__name__}: {exc}); "
                           "rebuild it with `python -m hw7 summary`") from None
    if not isinstance(values, dict) or not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
                                               for v in values.values()):
        raise SummaryStale(f"{path} is not a flat map of metric names to numbers; rebuild it with `python -m hw7 summary`")
    return values


#: marks a metric that one side (file or entries) lacks
ABSENT = object()


@dataclass
class Mismatch:
    """One metric on which the file and the entries disagree (``ABSENT``: not on that side)."""

    metric: str
    experiment: str | None
    stored: Any
    fresh: Any

    def describe(self) -> str:
        where = f" ({self.experiment})" if self.experiment else ""
        if self.fresh is ABSENT:
            return f"{self.metric}: in the file only"
        if self.stored is ABSENT:
            return f"{self.metric}{where}: not in the file, {_show(self.fresh)} from the entries"
        return f"{self.metric}{where}: {_show(self.stored)} in the file, {_show(self.fresh)} from the entries"


def _show(value: Any) -> str:
    return "null" if value is None else repr(value)


@dataclass
class Check:
    """The outcome of comparing ``summary.json`` with a rebuild from its entries."""

    path: Path
    stored: dict[str, Any]
    built: Build
    mismatches: list[Mismatch]
    unreadable: Exception | None = None  # the file itself is absent or not a summary

    @property
    def ok(self) -> bool:
        return not (self.unreadable or self.mismatches or self.built.missing or self.built.corrupt)

    def error(self) -> Exception | None:
        """The one-line error that :func:`read` raises, naming what is wrong and the command that fixes it."""
        b = self.built
        if self.unreadable is not None:
            return self.unreadable
        if b.corrupt:
            name, message = next(iter(b.corrupt.items()))
            more = (f" (damaged entries in {len(b.corrupt) - 1} more experiment(s): `python -m hw7 list`)"
                    if len(b.corrupt) > 1 else "")
            return CacheCorrupt(f"{self.path} cannot be checked: {message}{more}")
        if b.missing:
            names = " ".join(b.missing)
            return CacheMissing(f"{self.path} cannot be checked: experiment(s) {', '.join(b.missing)} have runs with no "
                                f"cached result; compute them with `python -m hw7 run {names}`")
        if self.mismatches:
            shown = "; ".join(m.describe() for m in self.mismatches[:3])
            more = f"; and {len(self.mismatches) - 3} more" if len(self.mismatches) > 3 else ""
            return SummaryStale(f"{self.path} differs from the cache entries it is built from at {shown}{more}; "
                                "rebuild it with `python -m hw7 summary`")
        return None


def check(root: Path | None = None) -> Check:
    """Compare the stored file with a rebuild from the checksummed entries, metric by metric."""
    try:
        stored, unreadable = read_file(root), None
    except (CacheMissing, SummaryStale) as exc:
        stored, unreadable = {}, exc
    built = build(root)
    fresh = json.loads(json.dumps(built.values))  # as the file would hold them
    mismatches = []
    for name in sorted(set(stored) | set(fresh)) if unreadable is None else ():
        a, b = stored.get(name, ABSENT), fresh.get(name, ABSENT)
        same = a is not ABSENT and b is not ABSENT and type(a) is type(b) and a == b
        if not same:
            mismatches.append(Mismatch(name, built.origin.get(name), a, b))
    return Check(summary_path(root), stored, built, mismatches, unreadable)


def read(root: Path | None = None) -> dict[str, Any]:
    """The summary, verified against the entries it is built from: what chapters read.

    Raises one line (:class:`~hw7.errors.SummaryStale`, ``CacheMissing`` or ``CacheCorrupt``) naming the
    keys or the experiment and the command that fixes it, instead of showing a wrong number."""
    result = check(root)
    problem = result.error()
    if problem is not None:
        raise problem
    return result.stored


#: dotted-name prefix -> what the number means (the index's table)
DESCRIPTIONS: dict[str, str] = {
    **{prefix: text for family in FAMILY_METRICS for prefix, text in family.DESCRIPTIONS.items()},
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
