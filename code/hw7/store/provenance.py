"""Where the report's numbers came from: tables of every cached run, for the reproducibility appendix.

Everything here only *reads* the cache (through :func:`hw7.store.cache.read_entry`, so every entry's
checksum is verified on the way). A run shared by two experiments (same config, same key) is one
entry; its compute time is counted once, under the experiment that computed it (``entry["experiment"]``).

**What a recorded time measures.** ``meta.seconds`` is the wall-clock time a run took when it was
computed (a batched MNIST run: its share of its batch's time), on a machine that may have been busy
with other work. Problem 1's entries, for one, were written while six MNIST trainings of this very cache
ran beside them on two cores, and record about 40 times what a rerun took on the same kind of machine
(measured for issue 27: p1-b's Adam run 165 s recorded, 3.3 s rerun). The cache cannot tell how busy
the machine was, but it can tell which of its own computations overlapped
in time (each entry's interval ends at ``meta.created``): :func:`concurrency` counts them, so the
appendix and ``hw7 verify --dry-run`` can say which recorded times are inflated by sharing the machine.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import pandas as pd

from hw7.entry import Entry
from hw7.present import fmt
from hw7.store import cache, registry

_MEMO: dict[tuple, list[tuple[registry.Run, Entry]]] = {}


def cached_entries() -> list[tuple[registry.Run, Entry]]:
    """(run, verified entry) for every registered run that is cached, one per key, in registry order.

    Remembered while no entry file changes (the appendix asks several times; reading is ~1 s).
    """
    runs: dict[str, registry.Run] = {}
    for run in registry.all_runs():
        runs.setdefault(run.key, run)
    stamp = []
    for key, run in runs.items():
        path = cache.entry_path(run)
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        stamp.append((key, str(path), st.st_mtime_ns, st.st_size))
    signature = tuple(stamp)
    if signature not in _MEMO:
        _MEMO.clear()
        _MEMO[signature] = [(runs[key], cache.read_entry(runs[key])) for key, *_ in stamp]
    return _MEMO[signature]


#: ``meta.created`` is stored to the second: overlaps shorter than this are rounding, not sharing
CREATED_RESOLUTION = 1.0


def _interval(entry: Entry) -> tuple[tuple[Any, ...], float, float] | None:
    """(the computation it was part of, its start, its end) in seconds since the epoch, or None if unrecorded.

    A batched MNIST run records its share of its batch's time; the batch ran for ``n`` shares, and its
    mates (same experiment, batch size, creation second and share) are one computation."""
    meta = entry.get("meta", {})
    try:
        end = datetime.fromisoformat(str(meta["created"])).timestamp()
        seconds = float(meta["seconds"])
    except (KeyError, TypeError, ValueError):
        return None
    result = entry.get("result", {})
    n = result.get("runs_in_batch") if isinstance(result, dict) else None
    n = n if isinstance(n, int) and n > 1 else 1
    job = (entry.get("experiment"), n, meta["created"], meta["seconds"]) if n > 1 else (entry.get("key"),)
    return job, end - seconds * n, end


def concurrency() -> dict[str, float]:
    """For each cached run (by key): how many other computations of this cache ran while it ran, on average
    over its recorded time (0: none; 6.0: six others throughout). Work outside the cache (tests, renders,
    other users) leaves no trace, so this is a lower bound on how shared the machine was."""
    jobs: dict[tuple[Any, ...], tuple[float, float]] = {}
    job_of: dict[str, tuple[Any, ...]] = {}
    for run, entry in cached_entries():
        found = _interval(entry)
        if found is not None:
            job, start, end = found
            jobs.setdefault(job, (start, end))
            job_of[run.key] = job
    shared: dict[tuple[Any, ...], float] = {}
    for job, (start, end) in jobs.items():
        overlap = sum(max(0.0, min(end, e - CREATED_RESOLUTION) - max(start, s + CREATED_RESOLUTION))
                      for other, (s, e) in jobs.items() if other != job)
        shared[job] = overlap / (end - start) if end > start else 0.0
    return {key: shared[job] for key, job in job_of.items()}


def versions_text(versions: dict[str, str]) -> str:
    order = ["python", "numpy", "torch"]
    names = sorted(versions, key=lambda n: (order.index(n) if n in order else len(order), n))
    return ", ".join(f"{n} {versions[n]}" for n in names)


def duration(seconds: float) -> str:
    """``42 s``, ``3.5 min``, ``2 h 05 min``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest:02d} min"


def _environment(entry: Entry) -> tuple[str, str, str]:
    meta = entry.get("meta", {})
    return str(meta.get("device", "?")), versions_text(meta.get("versions", {})), str(meta.get("platform", "?"))


def environment_ids() -> dict[tuple[str, str, str], str]:
    """(device, versions, platform) -> ``E1``, ``E2``, ... (most runs first)."""
    counts = Counter(_environment(e) for _, e in cached_entries())
    return {env: f"E{i}" for i, (env, _) in enumerate(counts.most_common(), 1)}


def run_table() -> pd.DataFrame:
    """One row per cached run: experiment, key, config label, seed, device, library versions, wall time."""
    rows = []
    ids = environment_ids()
    beside = concurrency()
    for run, entry in cached_entries():
        meta = entry.get("meta", {})
        result = entry.get("result", {})
        seed = run.config.get("seed")
        rows.append({
            "experiment": entry.get("experiment", run.experiment),
            "key": run.key,
            "run": run.label,
            "seed": "—" if seed is None else str(seed),
            "device": meta.get("device", "?"),
            "env": ids[_environment(entry)],
            "versions": versions_text(meta.get("versions", {})),
            "batch": result.get("runs_in_batch", 1) if isinstance(result, dict) else 1,
            "seconds": float(meta.get("seconds", 0.0)),
            "concurrent": beside.get(run.key, 0.0),
            "created": str(meta.get("created", ""))[:16].replace("T", " "),
        })
    return pd.DataFrame(rows, columns=["experiment", "key", "run", "seed", "device", "env", "versions", "batch", "seconds",
                                       "concurrent", "created"])


def _seeds(values: list[Any]) -> str:
    seeds = sorted({v for v in values if v is not None})
    return "— (deterministic)" if not seeds else ", ".join(map(str, seeds))


def experiment_table() -> pd.DataFrame:
    """One row per experiment: kind, runs cached of runs defined, seeds, devices, versions, compute time."""
    runs = run_table().set_index("key") if cached_entries() else pd.DataFrame()
    rows = []
    for exp in registry.experiments().values():
        keys = [r.key for r in exp.runs]
        mine = runs.loc[[k for k in keys if k in runs.index]] if len(runs) else pd.DataFrame()
        computed_here = mine[mine["experiment"] == exp.name] if len(mine) else mine
        rows.append({
            "experiment": exp.name,
            "kind": exp.kind,
            "cached": f"{len(mine)}/{len(keys)}",
            "seeds": _seeds([r.config.get("seed") for r in exp.runs]),
            "device": ", ".join(sorted(set(mine["device"]))) if len(mine) else "—",
            "env": ", ".join(sorted(set(mine["env"]))) if len(mine) else "—",
            "versions": "; ".join(sorted(set(mine["versions"]))) if len(mine) else "—",
            "compute": duration(float(computed_here["seconds"].sum())) if len(computed_here) else "—",
            "seconds": float(computed_here["seconds"].sum()) if len(computed_here) else 0.0,
            "concurrent": _weighted_concurrency(computed_here) if len(computed_here) else "—",
        })
    return pd.DataFrame(rows)


def _weighted_concurrency(runs: pd.DataFrame) -> str:
    """Other computations running beside an experiment's runs, averaged over their recorded time (one decimal)."""
    seconds = runs["seconds"].sum()
    mean = float((runs["seconds"] * runs["concurrent"]).sum() / seconds) if seconds > 0 else 0.0
    return f"{mean:.1f}"


def environment_table() -> pd.DataFrame:
    """Distinct (device, library versions, platform) the cached runs were computed with, and how many each."""
    counts: Counter[tuple[str, str, str]] = Counter()
    seconds: defaultdict[tuple[str, str, str], float] = defaultdict(float)
    for _, entry in cached_entries():
        env = _environment(entry)
        counts[env] += 1
        seconds[env] += float(entry.get("meta", {}).get("seconds", 0.0))
    return pd.DataFrame([{"env": env_id, "device": d, "versions": v, "platform": p, "runs": counts[(d, v, p)],
                          "compute": duration(seconds[(d, v, p)])}
                         for (d, v, p), env_id in environment_ids().items()],
                        columns=["env", "device", "versions", "platform", "runs", "compute"])


def totals() -> dict[str, Any]:
    """Counts and total compute of the report's cache."""
    entries = cached_entries()
    defined = {r.key for r in registry.all_runs()}
    seconds = sum(float(e.get("meta", {}).get("seconds", 0.0)) for _, e in entries)
    created = sorted(str(e.get("meta", {}).get("created", "")) for _, e in entries)
    return {
        "experiments": len(registry.experiments()),
        "runs": len(entries),
        "defined": len(defined),
        "missing": len(defined) - len(entries),
        "shared": sum(len(exp.runs) for exp in registry.experiments().values()) - len(defined),
        "seconds": seconds,
        "compute": duration(seconds),
        "first": fmt.text(created[0][:10]) if created else "—",
        "last": fmt.text(created[-1][:10]) if created else "—",
        "dates": ("—" if not created else f"on {fmt.text(created[0][:10])}" if created[0][:10] == created[-1][:10]
                  else f"between {fmt.text(created[0][:10])} and {fmt.text(created[-1][:10])}"),
        "fingerprint": fingerprint(),
    }


def fingerprint() -> str:
    """One hash of every cached entry's checksum (sorted by key): equal fingerprints, equal caches."""
    digest = hashlib.sha256()
    for run, entry in sorted(cached_entries(), key=lambda pair: pair[0].key):
        digest.update(f"{run.key}:{entry['checksum']}\n".encode())
    return digest.hexdigest()[:16]


def regenerate_commands() -> list[str]:
    """The command that recomputes each experiment, with the time its cached runs recorded and, where other
    computations of the cache ran beside them, how many (their recorded time overstates a rerun's)."""
    table = experiment_table()
    width = max(len(n) for n in table["experiment"]) + len("python -m hw7 run  --force")
    lines = []
    for row in table.itertuples():
        shared = f" beside {row.concurrent} others" if row.concurrent not in ("—", "0.0") else ""
        lines.append(f"{f'python -m hw7 run {row.experiment} --force':<{width}}  # {row.cached} runs cached, "
                     f"recorded {row.compute}{shared}")
    return lines


def markdown(df: pd.DataFrame, **kwargs: Any) -> str:
    """``df`` as a pipe table whose text cells are literal (:func:`hw7.present.fmt.text`): platforms,
    versions and devices come from cache entries, and an entry is data, never markup for the book."""
    literal = df.copy()
    for column in literal.columns:
        literal[column] = [fmt.text(v) if isinstance(v, str) else v for v in literal[column]]
    return literal.to_markdown(index=False, **kwargs)


def runs_brief(df: pd.DataFrame) -> pd.DataFrame:
    """The columns appendix D shows of :func:`run_table` (no device or versions: ``env`` names them), seconds to 0.1 s."""
    out = df[["experiment", "key", "run", "seed", "env", "batch", "seconds", "concurrent", "created"]].copy()
    out["seconds"] = [f"{s:.1f}" for s in out["seconds"]]
    out["concurrent"] = [f"{c:.1f}" for c in out["concurrent"]]
    return out


def largest_experiment() -> pd.Series:
    """The experiment that took the most compute (a row of :func:`experiment_table`)."""
    return experiment_table().sort_values("seconds", ascending=False).iloc[0]
