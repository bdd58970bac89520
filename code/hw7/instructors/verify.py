"""Recompute cached runs and check the recomputation matches: ``python -m hw7 verify``.

A checksum only proves an entry is what was written; recomputing proves it is what the code
computes. For each chosen run this module reruns its config (never writing to the cache) and
compares the fresh result with the cached one field by field (:mod:`hw7.instructors.compare`):

* **bit-identical** when the entry's recorded library versions (``meta.versions``: python, numpy,
  and torch for MNIST) and device equal the current ones, and the run can be recomputed the way it
  was computed (see batches below);
* **within a tolerance** otherwise (:data:`hw7.instructors.compare.RECOMPUTE_RULES`: accuracies atol 1e-3,
  other floats rtol 1e-3, counts exact; ``--atol/--rtol`` replace it, ``--exact`` forbids it).

**Batched MNIST runs.** The engine trains runs that share shapes in one chunk of K runs; its
eager path gives every run the same numbers whatever K is, but the ``torch.compile``'d step (used
on CPU for chunks of 4+ runs) is compiled for K and differs at rounding level with K. A run's
result therefore depends, in the last bits, on which runs trained beside it. ``verify`` rebuilds
that batch: the entry records ``runs_in_batch``; the batch is the run's experiment's runs with the
same group key, in registry order, chunked as ``train_many`` chunks them (what ``hw7 run`` of the
whole experiment does); when the recorded size says the experiment was computed in parts, the
batch is the same-size runs whose entries were written closest in time (within the batch's
duration). The whole rebuilt batch is
recomputed and compared bit for bit. When it cannot be rebuilt (or with ``--alone``, which
recomputes only the chosen run: cheaper), the comparison uses the tolerance.

**``--epochs K``** recomputes a copy of each config with ``epochs=K`` (batch mates likewise) and
compares the first K epochs of every per-epoch history (and ``diverged_epoch`` when it falls in
them). Epoch k of a K-epoch run equals epoch k of the full run: the learning-rate schedule, the
shuffling stream and Adam's step count depend only on the epochs before. Non-MNIST kinds have no
epochs and are recomputed in full.
"""

from __future__ import annotations

import inspect
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from hw7.store import cache, registry
from hw7.instructors import compare
from hw7.errors import CacheCorrupt, CacheError, CacheMissing, Hw7Error

#: Per-epoch lists of an MNIST result (truncated to the first K epochs by ``--epochs K``).
EPOCH_FIELDS = ("epochs", "eval_acc", "eval_loss", "train_loss", "grad_ratio", "grad_norms")


@dataclass
class Check:
    """The outcome for one run."""

    run: registry.Run
    status: str  # "OK", "MISMATCH", "CORRUPT", "MISSING"
    mode: str = ""  # "bit-identical" or "tolerance"
    why: str = ""  # why that mode (environment, batch), or what is wrong with the entry
    batch: int = 1  # runs recomputed together for it
    epochs: str = ""  # "first 1 of 30 epochs" when --epochs shortened it
    report: compare.Report | None = None

    @property
    def ok(self) -> bool:
        return self.status == "OK"


# ------------------------------------------------------------------------------------------------
# Choosing runs


def _unique(runs: Iterable[registry.Run]) -> list[registry.Run]:
    seen: dict[str, registry.Run] = {}
    for r in runs:
        seen.setdefault(r.key, r)
    return list(seen.values())


def find_key(prefix: str) -> registry.Run:
    matches = _unique(r for r in registry.all_runs() if r.key.startswith(prefix))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise Hw7Error(f"no run of the registry has key {prefix!r}; `python -m hw7 list -v` shows every run's key")
    raise Hw7Error(f"key prefix {prefix!r} matches {len(matches)} runs; give more characters")


def select(names: Sequence[str] = (), keys: Sequence[str] = (), sample: int | None = None,
           seed: int = 0) -> tuple[list[registry.Run], str]:
    """The runs to verify and a sentence saying how they were chosen."""
    if sample is not None and sample < 1:
        raise Hw7Error(f"--sample must be at least 1, got {sample}")
    if not names and not keys and sample is None:
        raise Hw7Error("name experiments, give --key KEY, or --sample N (see `python -m hw7 verify -h`)")
    pool: list[registry.Run] = []
    if names:
        pool += [r for exp in registry.select(list(names)) for r in exp.runs]
    pool += [find_key(k) for k in keys]
    if not names and not keys:
        pool = list(registry.all_runs())
    pool = _unique(pool)
    where = ", ".join(names) if names else ("the given keys" if keys else "every experiment")
    if sample is None:
        return pool, f"{len(pool)} run(s) of {where}"
    cached = [r for r in pool if cache.has_entry(r)]
    if not cached:
        raise Hw7Error(f"no cached runs of {where} to sample; compute them first with `python -m hw7 run`")
    chosen = random.Random(seed).sample(cached, min(sample, len(cached)))
    order = {r.key: i for i, r in enumerate(pool)}
    chosen.sort(key=lambda r: order[r.key])
    return chosen, f"a random sample of {len(chosen)} of the {len(cached)} cached run(s) of {where} (seed {seed})"


# ------------------------------------------------------------------------------------------------
# Rebuilding MNIST batches


def _chunk_size() -> int:
    from hw7.mnist.train import train_many

    return int(inspect.signature(train_many).parameters["chunk_size"].default)


def _created(entry: dict[str, Any]) -> float:
    try:
        return datetime.fromisoformat(entry["meta"]["created"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return 0.0


def batch_plan(run: registry.Run, entry: dict[str, Any], alone: bool = False) -> tuple[list[registry.Run], bool, str]:
    """The runs to recompute together with ``run``, whether that is the batch it was trained in, and a note."""
    if run.kind != "mnist":
        return [run], True, ""
    from hw7.mnist.config import TrainConfig

    cfg = TrainConfig.from_dict(run.config)
    n = entry["result"].get("runs_in_batch")
    if not cfg.batchable:
        return [run], True, "reference loop (not batched)"
    if not n or n == 1:
        return [run], True, "trained alone"
    if alone:
        return [run], False, f"recomputed alone (--alone), but trained in a batch of {n}"
    name = entry.get("experiment") if entry.get("experiment") in registry.experiments() else run.experiment
    same = [r for r in registry.get(name).runs if TrainConfig.from_dict(r.config).group_key == cfg.group_key]
    entries: dict[str, dict[str, Any]] = {}
    for r in same:
        try:
            entries[r.key] = cache.read_entry(r)
        except CacheError:
            pass
    size = lambda r: entries[r.key]["result"].get("runs_in_batch") if r.key in entries else None  # noqa: E731
    keys = [r.key for r in same]
    # 1. the chunks a `hw7 run` of the whole experiment makes (registry order, chunk_size runs each)
    step = _chunk_size()
    for start in range(0, len(same), step):
        chunk = same[start:start + step]
        if run.key in {r.key for r in chunk} and len(chunk) == n and all(size(r) == n for r in chunk):
            return chunk, True, f"its batch of {n} rebuilt"
    # 2. computed in parts: the same-size runs written closest in time to it, within the time the
    #    batch took (each run records an equal share of it: meta.seconds = chunk time / n) plus a minute
    t0 = _created(entry)
    window = float(entry.get("meta", {}).get("seconds") or 0.0) * n + 60.0
    candidates = [r for r in same if size(r) == n and abs(_created(entries[r.key]) - t0) <= window]
    if len(candidates) >= n:
        nearest = sorted(candidates, key=lambda r: (abs(_created(entries[r.key]) - t0), keys.index(r.key)))[:n]
        if run.key in {r.key for r in nearest}:
            return sorted(nearest, key=lambda r: keys.index(r.key)), True, f"its batch of {n} rebuilt (by creation time)"
    return [run], False, f"its batch of {n} cannot be rebuilt from the cache; recomputed alone"


# ------------------------------------------------------------------------------------------------
# Recomputing


def _mnist_device(entry: dict[str, Any]) -> str:
    import torch

    recorded = str(entry.get("meta", {}).get("device", "cpu"))
    if recorded.startswith("cuda") and not torch.cuda.is_available():
        return "cpu"
    return recorded


def _shorten(config: dict[str, Any], epochs: int | None) -> dict[str, Any]:
    if epochs is None or epochs >= config.get("epochs", epochs):
        return config
    return {**config, "epochs": epochs}


def recompute_mnist(batches: list[tuple[list[registry.Run], str]], epochs: int | None, progress: bool,
                    data: Any = None) -> dict[str, dict[str, Any]]:
    """Each batch trained together (as ``hw7 run`` trained it), on its device; results by key."""
    from hw7.mnist.data import load_mnist
    from hw7.mnist.train import train_many

    data = data if data is not None else load_mnist()
    out: dict[str, dict[str, Any]] = {}
    for runs, device in batches:
        configs = [_shorten(r.config, epochs) for r in runs]
        for i, result in train_many(configs, data, device=device, progress=progress):
            out[runs[i].key] = result
    return out


def recompute_other(kind: str, runs: list[registry.Run], progress: bool) -> dict[str, dict[str, Any]]:
    """Any other kind: its runner, every chosen config in one call (runs are independent)."""
    compute = registry.runner(kind)
    return {runs[i].key: result for i, result in compute([r.config for r in runs], progress=progress)}


def truncate(result: dict[str, Any], epochs: int) -> dict[str, Any]:
    """The part of a full MNIST result that a run of ``epochs`` epochs reproduces."""
    out = dict(result)
    for name in EPOCH_FIELDS:
        if isinstance(out.get(name), list):
            out[name] = out[name][:epochs]
    diverged = out.get("diverged_epoch")
    if diverged is not None and diverged > epochs:
        out["diverged_epoch"] = None
    return out


def environment_changes(entry: dict[str, Any], device: str) -> list[str]:
    """How the current libraries and device differ from those the entry records ([] when the same)."""
    meta = entry.get("meta", {})
    now = cache.library_versions()
    changes = [f"{name} {was} -> {now.get(name, 'absent')}"
               for name, was in sorted(meta.get("versions", {}).items()) if now.get(name) != was]
    if str(meta.get("device", "cpu")) != device:
        changes.append(f"device {meta.get('device')} -> {device}")
    return changes


def verify(runs: Sequence[registry.Run], *, epochs: int | None = None, alone: bool = False,
           atol: float | None = None, rtol: float | None = None, exact: bool = False,
           progress: bool = False, mnist_data: Any = None) -> list[Check]:
    """Recompute ``runs`` and compare; one :class:`Check` per run, in order. Never writes to the cache."""
    if epochs is not None and epochs < 1:
        raise Hw7Error(f"--epochs must be at least 1, got {epochs}")
    if exact and (atol is not None or rtol is not None):
        raise Hw7Error("--exact and --atol/--rtol contradict each other; give one of them")
    checks: dict[str, Check] = {}
    entries: dict[str, dict[str, Any]] = {}
    for run in runs:
        try:
            entries[run.key] = cache.read_entry(run)
        except CacheMissing as exc:
            checks[run.key] = Check(run, "MISSING", why=str(exc))
        except CacheCorrupt as exc:
            checks[run.key] = Check(run, "CORRUPT", why=str(exc))
    todo = [r for r in runs if r.key in entries]

    # plan: MNIST runs by rebuilt batch (deduplicated), other kinds by kind
    plans: dict[str, tuple[list[registry.Run], bool, str]] = {}
    mnist_batches: dict[tuple[str, ...], tuple[list[registry.Run], str]] = {}
    others: dict[str, list[registry.Run]] = {}
    devices: dict[str, str] = {}
    for run in todo:
        entry = entries[run.key]
        plans[run.key] = batch_plan(run, entry, alone)
        if run.kind == "mnist":
            devices[run.key] = _mnist_device(entry)
            batch = plans[run.key][0]
            mnist_batches.setdefault((devices[run.key], *(r.key for r in batch)), (batch, devices[run.key]))
        else:
            devices[run.key] = "cpu"
            others.setdefault(run.kind, []).append(run)

    fresh: dict[str, dict[str, Any]] = {}
    if mnist_batches:
        fresh.update(recompute_mnist(list(mnist_batches.values()), epochs, progress, mnist_data))
    for kind, kind_runs in others.items():
        fresh.update(recompute_other(kind, kind_runs, progress))

    for run in todo:
        entry = entries[run.key]
        batch, rebuilt, note = plans[run.key]
        cached = entry["result"]
        check = Check(run, "OK", batch=len(batch))
        if run.kind == "mnist" and epochs is not None and epochs < run.config.get("epochs", epochs):
            cached = truncate(cached, epochs)
            check.epochs = f"first {epochs} of {run.config['epochs']} epochs"
        changes = environment_changes(entry, devices[run.key])
        same = not changes and rebuilt
        if exact or (same and atol is None and rtol is None):
            tol = compare.Tolerance(exact=True)
            check.mode = "bit-identical"
        else:
            tol = compare.Tolerance(compare.RECOMPUTE_RULES, atol=atol, rtol=rtol)
            check.mode = "tolerance"
        reasons = (["same libraries and device"] if not changes else changes) + ([note] if note else [])
        check.why = "; ".join(reasons)
        check.report = compare.compare_flat(compare.flatten(cached), compare.flatten(fresh[run.key]), tol)
        if not check.report.ok:
            check.status = "MISMATCH"
        checks[run.key] = check
    return [checks[r.key] for r in runs]


# ------------------------------------------------------------------------------------------------
# Output


def _label(run: registry.Run, width: int = 60) -> str:
    label = run.label
    return label if len(label) <= width else label[:width - 1] + "…"


def format_checks(checks: Sequence[Check], chosen: str, max_rows: int = 5) -> str:
    lines = [f"verify: {chosen}"]
    for c in checks:
        head = f"{c.status:<9}{c.run.experiment:<20} {c.run.key}  {_label(c.run)}"
        lines.append(head)
        if c.report is None:
            lines.append(f"    {c.why}")
            continue
        scope = f"{c.report.compared:,} numbers" + (f", {c.epochs}" if c.epochs else "")
        batch = f", recomputed in a batch of {c.batch}" if c.batch > 1 else ""
        lines.append(f"    {c.mode}: {scope}{batch} ({c.why})")
        problems = list(compare.iter_differences(c.report))
        for d in c.report.differences[:max_rows]:
            delta = f"; |Δ| {d.abs_diff:.3g}" if d.abs_diff is not None else ""
            cached, fresh = compare.fmt_pair(d.a, d.b)
            lines.append(f"    differs: {d.metric}: cached {cached} vs recomputed {fresh}{delta} [{d.tolerance}]"
                         + (f" — {d.detail}" if d.detail else ""))
        for name in c.report.only_a[:max_rows]:
            lines.append(f"    only in the cached result: {name}")
        for name in c.report.only_b[:max_rows]:
            lines.append(f"    only in the recomputed result: {name}")
        if len(problems) > max_rows:
            lines.append(f"    ... {len(problems)} problems in all (--json lists them)")
    bad = [c for c in checks if not c.ok]
    counts = ", ".join(f"{sum(c.status == s for c in checks)} {s}" for s in ("OK", "MISMATCH", "CORRUPT", "MISSING")
                       if any(c.status == s for c in checks))
    lines.append(f"verify: {len(checks)} run(s) checked: {counts}" + ("" if not bad else " — FAILED"))
    return "\n".join(lines)


def checks_json(checks: Sequence[Check], chosen: str) -> dict[str, Any]:
    return {
        "chosen": chosen,
        "ok": all(c.ok for c in checks),
        "runs": [{"experiment": c.run.experiment, "key": c.run.key, "label": c.run.label, "status": c.status,
                  "mode": c.mode, "why": c.why, "batch": c.batch, "epochs": c.epochs,
                  "comparison": compare.report_json(c.report) if c.report is not None else None}
                 for c in checks],
    }

