"""Recompute cached runs and check the recomputation matches: ``python -m hw7 verify``.

A checksum only proves an entry is what was written; recomputing proves it is what the code
computes. For each chosen run this module reruns its config (never writing to the cache),
compares the fresh result with the cached one field by field (:mod:`hw7.instructors.compare`) and gives one of
the graded verdicts of :mod:`hw7.instructors.verdicts`:

* **identical** when the entry's machine fingerprint (:mod:`hw7.store.fingerprint`: CPU model, torch's
  CPU capability and thread count, library versions, device) equals the current one and the run
  can be recomputed in the batch it was computed in (below): every number must be bit-identical;
* **equivalent** otherwise (another or an unknown machine, another device, another batch): every
  float within the rounding tolerance of the number of steps compared, counts exact;
* **consistent** for training runs whose histories went beyond that (chaos decorrelates long
  runs on another machine): the accuracy is judged against the cached seeds of the same config;
* **MISMATCH** beyond all that. ``--exact`` demands bit-identity whatever the machine;
  ``--atol/--rtol`` replace the rounding tolerance (and the consistency fallback).

**Batched MNIST runs.** The engine trains runs that share shapes in one chunk of K runs. Its
numbers differ at rounding level with K: the BLAS may pick other matrix kernels for other batch
shapes (which ones depends on the CPU), and the ``torch.compile``'d step (used on CPU for chunks
of 4+ runs) is compiled for K. A run's result therefore depends, in the last bits, on which runs
trained beside it. ``verify`` rebuilds
that batch: the entry records ``runs_in_batch``; the batch is the run's experiment's runs with the
same group key, in registry order, chunked as ``train_many`` chunks them (what ``hw7 run`` of the
whole experiment does); when the recorded size says the experiment was computed in parts, the
batch is the same-size runs whose entries were written closest in time (within the batch's
duration). The whole rebuilt batch is
recomputed (bit for bit on the same machine). When it cannot be rebuilt (or with ``--alone``, which
recomputes only the chosen run: cheaper), bit-identity is not expected: equivalent at best.

**``--epochs K``** recomputes a copy of each config with ``epochs=K`` (batch mates likewise) and
compares the first K epochs of every per-epoch history (and ``diverged_epoch`` when it falls in
them). Epoch k of a K-epoch run equals epoch k of the full run: the learning-rate schedule, the
shuffling stream and Adam's step count depend only on the epochs before. Non-MNIST kinds have no
epochs and are recomputed in full.
"""

from __future__ import annotations

import dataclasses
import inspect
import random
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from hw7.entry import Entry
from hw7.errors import CacheCorrupt, CacheError, CacheMissing, Hw7Error
from hw7.instructors import compare, tolerances, verdicts
from hw7.store import cache, fingerprint, registry, summary

if TYPE_CHECKING:
    from hw7.cluster.spec import ClusterSpec

#: Per-epoch lists of an MNIST result (truncated to the first K epochs by ``--epochs K``).
EPOCH_FIELDS = ("epochs", "eval_acc", "eval_loss", "train_loss", "grad_ratio", "grad_norms", "pred_counts", "input_norms")
#: Recorded after the last epoch only, so a run cut short reproduces none of it.
FINAL_FIELDS = ("predictions",)


@dataclass
class Check:
    """The outcome for one run."""

    run: registry.Run
    status: str  # a verdict of hw7.instructors.verdicts (identical, equivalent, consistent, MISMATCH), CORRUPT or MISSING
    mode: str = ""  # the rule the verdict was reached by ("bit-identical (same machine and batch)", ...)
    why: str = ""  # how the machine differs (and the batch note), or what is wrong with the entry
    batch: int = 1  # runs recomputed together for it
    epochs: str = ""  # "first 1 of 30 epochs" when --epochs shortened it
    report: compare.Report | None = None
    machine: str = ""  # the fingerprint comparison alone
    consistency: str = ""  # the accuracy rule's sentence, for `consistent` (and a MISMATCH by it)

    @property
    def ok(self) -> bool:
        return self.status in verdicts.PASSING


@dataclass
class Produced:
    """A recomputed result and where it was computed."""

    result: dict[str, Any]
    device: str
    machine: dict[str, Any]  # hw7.store.fingerprint.current() when the result was produced
    steps: int  # sequential update steps behind the compared numbers


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


def _created(entry: Entry) -> float:
    try:
        return datetime.fromisoformat(entry["meta"]["created"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return 0.0


def batch_plan(run: registry.Run, entry: Entry, alone: bool = False) -> tuple[list[registry.Run], bool, str]:
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
    recorded = entry.get("experiment")
    name = recorded if isinstance(recorded, str) and recorded in registry.experiments() else run.experiment
    same = [r for r in registry.get(name).runs if TrainConfig.from_dict(r.config).group_key == cfg.group_key]
    entries: dict[str, Entry] = {}
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


def _mnist_device(entry: Entry) -> str:
    import torch

    recorded = str(entry.get("meta", {}).get("device", "cpu"))
    if recorded.startswith("cuda") and not torch.cuda.is_available():
        return "cpu"
    return recorded


def _check_device(device: str) -> None:
    """A usage error unless torch can compute on ``device`` here."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise Hw7Error(f"--device {device!r} is not a device torch knows (use cpu or cuda)") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise Hw7Error("--device cuda: CUDA is not available on this machine (torch sees no GPU; "
                       "the pinned torch wheel is the CPU build)")
    if dev.type not in ("cpu", "cuda"):
        raise Hw7Error(f"--device {device!r}: only cpu and cuda are supported")


def _shorten(config: dict[str, Any], epochs: int | None) -> dict[str, Any]:
    if epochs is None or epochs >= config.get("epochs", epochs):
        return config
    return {**config, "epochs": epochs}


def _train_size(data: Any, config: dict[str, Any]) -> int:
    from hw7.mnist.data import validation_size

    n = int(data.train_x.shape[0])
    return n - validation_size(n) if config.get("eval") == "val" else n


def recompute_mnist(batches: list[tuple[list[registry.Run], str]], epochs: int | None, progress: bool,
                    data: Any = None) -> dict[str, Produced]:
    """Each batch trained together (as ``hw7 run`` trained it), on its device; results by key, each with the
    fingerprint of the data it was trained on (as ``hw7 run`` records it)."""
    from hw7.mnist.data import fingerprint as data_fingerprint
    from hw7.mnist.data import load_mnist
    from hw7.mnist.train import train_many

    data = data if data is not None else load_mnist()
    trained_on = data_fingerprint(data)
    out: dict[str, Produced] = {}
    for runs, device in batches:
        configs = [_shorten(r.config, epochs) for r in runs]
        for i, result in train_many(configs, data, device=device, progress=progress):
            result = {**result, "data_fingerprint": trained_on}
            where = str(result.get("device", device))
            steps = verdicts.steps_compared("mnist", configs[i], n_train=_train_size(data, configs[i]))
            out[runs[i].key] = Produced(result, where, fingerprint.current(where), steps)
    return out


def recompute_other(kind: str, runs: list[registry.Run], progress: bool) -> dict[str, Produced]:
    """Any other kind: its runner, every chosen config in one call (runs are independent)."""
    compute = registry.runner(kind)
    out: dict[str, Produced] = {}
    for i, result in compute([r.config for r in runs], progress=progress):
        # the fingerprint is taken while the runner is paused at its result, as `hw7 run` takes it
        where = str(result.get("device", "cpu"))
        out[runs[i].key] = Produced(result, where, fingerprint.current(where), verdicts.steps_compared(kind, runs[i].config))
    return out


def truncate(result: dict[str, Any], epochs: int) -> dict[str, Any]:
    """The part of a full MNIST result that a run of ``epochs`` epochs reproduces."""
    out = dict(result)
    for name in EPOCH_FIELDS:
        if isinstance(out.get(name), list):
            out[name] = out[name][:epochs]
    for name in FINAL_FIELDS:
        out.pop(name, None)
    diverged = out.get("diverged_epoch")
    if diverged is not None and diverged > epochs:
        out["diverged_epoch"] = None
    return out


def _others_accuracy(run: registry.Run, epochs: int | None) -> list[float | None]:
    """The accuracy (at the compared epoch) of every cached entry of ``run``'s config with another seed."""
    out: list[float | None] = []
    for other in verdicts.same_config_other_seeds(run, list(registry.all_runs())):
        try:
            result = cache.read_entry(other)["result"]
        except CacheError:
            continue  # not cached (or damaged: verify that one separately)
        out.append(None if verdicts.diverged(other.kind, result, epochs)
                   else verdicts.accuracy_at(other.kind, result, epochs))
    return out


def _bits(flat_cached: dict[str, Any], flat_fresh: dict[str, Any]) -> str:
    """" — in fact bit-identical" when an equivalent result has the very same bits (worth knowing)."""
    same_bits = compare.compare_flat(flat_cached, flat_fresh, tolerances.Tolerance(exact=True)).ok
    return " — in fact bit-identical" if same_bits else ""


#: fields that all differ beyond rounding when a recomputation trained apart (rather than a number
#: being edited): the run's own training loss and its evaluation loss
TRAINED_APART = {"train_loss", "eval_loss"}


def judge(run: registry.Run, cached: dict[str, Any], fresh: dict[str, Any], match: fingerprint.Match, *,
          rebuilt: bool, epochs: int | None, steps: int, atol: float | None = None, rtol: float | None = None,
          exact: bool = False) -> tuple[str, str, compare.Report, str]:
    """(verdict, the rule applied, the comparison, the consistency sentence) for one recomputed run."""
    flat_cached, flat_fresh = compare.flatten(cached), compare.flatten(fresh)
    if exact or (match.same and rebuilt and atol is None and rtol is None):
        report = compare.compare_flat(flat_cached, flat_fresh, tolerances.Tolerance(exact=True))
        why = "--exact" if exact and not (match.same and rebuilt) else "same machine"
        return (verdicts.IDENTICAL if report.ok else verdicts.MISMATCH), f"bit-identical ({why})", report, ""
    if atol is not None or rtol is not None:
        given = tolerances.Tolerance(tolerances.RECOMPUTE_RULES, atol=atol, rtol=rtol)
        report = compare.compare_flat(flat_cached, flat_fresh, given)
        return (verdicts.EQUIVALENT if report.ok else verdicts.MISMATCH), "the given --atol/--rtol", report, ""
    tol, why = verdicts.equivalence_tolerance(run.kind, steps)
    report = compare.compare_flat(flat_cached, flat_fresh, tol)
    if verdicts.profile(run.kind).accuracy is None:
        return ((verdicts.EQUIVALENT, f"{why}{_bits(flat_cached, flat_fresh)}", report, "") if report.ok
                else (verdicts.MISMATCH, why, report, ""))
    # training kinds: the accuracy must also lie within the seeds' spread. For long runs the rounding
    # bound (linear in the steps) is looser than that spread, so this is the binding check there.
    acc = verdicts.consistency(
        None if verdicts.diverged(run.kind, cached, epochs) else verdicts.accuracy_at(run.kind, cached, epochs),
        None if verdicts.diverged(run.kind, fresh, epochs) else verdicts.accuracy_at(run.kind, fresh, epochs),
        _others_accuracy(run, epochs))
    if report.ok:
        return (verdicts.EQUIVALENT if acc.ok else verdicts.MISMATCH), f"{why}{_bits(flat_cached, flat_fresh)}", \
            report, acc.text
    divergence = verdicts.profile(run.kind).diverged
    exact_fields = {d.metric.split("[")[0] for d in report.differences if tol.bounds(d.metric.split("[")[0])[2]}
    if report.only_a or report.only_b or exact_fields - {divergence}:
        # no machine changes a count, a step or a learning rate
        return verdicts.MISMATCH, why, report, acc.text
    if epochs is not None:
        # A partial recomputation (--epochs K) usually stays within rounding in the first epochs, but
        # not always: batch norm, dropout and random distortions can amplify a rounding difference
        # (another CPU, another thread count) to per-cent level within one epoch. Such a run trained
        # apart: its own training loss AND its evaluation loss differ. An edited entry differs only
        # where it was edited, while the recomputed training agrees: that stays a MISMATCH.
        apart = {d.metric.split("[")[0] for d in report.differences} >= TRAINED_APART
        if not apart:
            return verdicts.MISMATCH, why, report, acc.text
        rule = (f"{why} — beyond it already within {epochs} epoch(s): the recomputed training itself "
                "decorrelated (training and evaluation losses both differ); accuracy judged against the other seeds")
        return (verdicts.CONSISTENT if acc.ok else verdicts.MISMATCH), rule, report, acc.text
    # a full recomputation beyond rounding: chaotic training decorrelated; the accuracy rule decides
    rule = f"{why} — beyond it (chaotic training decorrelates elsewhere): accuracy judged against the other seeds"
    return (verdicts.CONSISTENT if acc.ok else verdicts.MISMATCH), rule, report, acc.text


#: how each cached run is recomputed: (the runs of its rebuilt batch, whether the batch is the original one, a note)
Plan = tuple[list[registry.Run], bool, str]


def _check_options(epochs: int | None, atol: float | None, rtol: float | None, exact: bool, device: str | None,
                   here: bool = True) -> None:
    if epochs is not None and epochs < 1:
        raise Hw7Error(f"--epochs must be at least 1, got {epochs}")
    if exact and (atol is not None or rtol is not None):
        raise Hw7Error("--exact and --atol/--rtol contradict each other; give one of them")
    if device is not None and here:  # on a cluster, the workers' torch decides (a task without the device fails)
        _check_device(device)


def _read_cached(runs: Sequence[registry.Run], checks: dict[str, Check]) -> dict[str, Entry]:
    """The verified cache entry of each run that has one; a missing or corrupt one becomes its Check at once."""
    entries: dict[str, Entry] = {}
    for run in runs:
        try:
            entries[run.key] = cache.read_entry(run)
        except CacheMissing as exc:
            checks[run.key] = Check(run, "MISSING", why=str(exc))
        except CacheCorrupt as exc:
            checks[run.key] = Check(run, "CORRUPT", why=str(exc))
    return entries


def _recompute(todo: list[registry.Run], entries: dict[str, Entry], plans: dict[str, Plan],
               epochs: int | None, progress: bool, mnist_data: Any, device: str | None,
               cluster: "ClusterSpec | None" = None) -> dict[str, Produced]:
    """Recompute every run once: MNIST runs by rebuilt batch (deduplicated, per device), other kinds by kind
    (on ``cluster``: one Dask task per MNIST batch and per other run)."""
    mnist_batches: dict[tuple[str, ...], tuple[list[registry.Run], str]] = {}
    others: dict[str, list[registry.Run]] = {}
    for run in todo:
        if run.kind == "mnist":
            where = device or _mnist_device(entries[run.key])
            batch = plans[run.key][0]
            mnist_batches.setdefault((where, *(r.key for r in batch)), (batch, where))
        else:
            others.setdefault(run.kind, []).append(run)
    if cluster is not None:
        return _recompute_on_cluster(list(mnist_batches.values()), others, epochs, progress, cluster)
    fresh: dict[str, Produced] = {}
    if mnist_batches:
        fresh.update(recompute_mnist(list(mnist_batches.values()), epochs, progress, mnist_data))
    for kind, kind_runs in others.items():
        fresh.update(recompute_other(kind, kind_runs, progress))
    return fresh


def recompute_remote(kind: str, runs: list[registry.Run], device: str | None, epochs: int | None) -> dict[str, Any]:
    """On a Dask worker: one MNIST batch on ``device`` (its first ``epochs`` epochs), or other runs; plain data by key."""
    fresh = (recompute_mnist([(runs, device or "cpu")], epochs, False) if kind == "mnist"
             else recompute_other(kind, runs, False))
    return {key: dataclasses.asdict(produced) for key, produced in fresh.items()}


def _recompute_on_cluster(mnist_batches: list[tuple[list[registry.Run], str]], others: dict[str, list[registry.Run]],
                          epochs: int | None, progress: bool, spec: "ClusterSpec") -> dict[str, Produced]:
    """The recomputations as Dask tasks; a failed one ends ``verify`` with one line, once the others are done."""
    from hw7.cluster import connect, pool

    def task(kind: str, runs: list[registry.Run], device: str | None) -> pool.Task:
        first = runs[0]
        what = f"run {first.key} of {first.experiment}" + (f" and {len(runs) - 1} batch mate(s)" if len(runs) > 1 else "")
        return pool.Task(what, recompute_remote, (kind, runs, device, epochs), tag=first.key)

    tasks = [task("mnist", runs, device) for runs, device in mnist_batches]
    tasks += [task(kind, [run], None) for kind, runs in others.items() for run in runs]
    fresh: dict[str, Produced] = {}
    if not tasks:  # nothing cached to recompute: no cluster to start
        return fresh
    failed: list[str] = []
    with connect.connect(spec) as client:
        for outcome in pool.run_tasks(client, tasks, progress=progress, desc="verify tasks"):
            if outcome.error is not None or not isinstance(outcome.value, dict):
                failed.append(f"recomputing {outcome.task.name} failed on the cluster: {outcome.error or 'no results'}")
                continue
            fresh.update({key: Produced(**value) for key, value in outcome.value.items()})
    if failed:
        more = f" (and {len(failed) - 1} more task(s))" if len(failed) > 1 else ""
        raise Hw7Error(failed[0] + more)
    return fresh


def _check_one(run: registry.Run, entry: Entry, plan: Plan, produced: Produced, versions: dict[str, str],
               epochs: int | None, atol: float | None, rtol: float | None, exact: bool) -> Check:
    """Judge one recomputed run against its cache entry (only its first ``epochs`` epochs when given)."""
    batch, rebuilt, note = plan
    cached = entry["result"]
    check = Check(run, verdicts.MISMATCH, batch=len(batch))
    shortened = run.kind == "mnist" and epochs is not None and epochs < run.config.get("epochs", epochs)
    if shortened:
        assert epochs is not None
        cached = truncate(cached, epochs)
        produced = dataclasses.replace(produced, result=truncate(produced.result, epochs))
        check.epochs = f"first {epochs} of {run.config['epochs']} epochs"
    match = fingerprint.compare(entry.get("meta", {}), versions, produced.device, produced.machine)
    check.machine = match.describe()
    check.why = "; ".join([check.machine] + ([note] if note else []))
    check.status, check.mode, check.report, check.consistency = judge(
        run, cached, produced.result, match, rebuilt=rebuilt, epochs=epochs if shortened else None,
        steps=produced.steps, atol=atol, rtol=rtol, exact=exact)
    check.report.a_label, check.report.b_label = str(cache.entry_path(run)), f"recomputed on {produced.device}"
    return check


def _local_data(todo: Sequence[registry.Run], data: Any) -> tuple[Any, str | None]:
    """This machine's MNIST (loaded once, as ``hw7 run`` loads it) and its data fingerprint; (data, None)
    when no MNIST run is to be verified."""
    if not any(r.kind == "mnist" for r in todo):
        return data, None
    from hw7.mnist.data import fingerprint as data_fingerprint
    from hw7.mnist.data import load_mnist

    data = data if data is not None else load_mnist()
    return data, data_fingerprint(data)


def _other_data(run: registry.Run, entry: Entry, here: str | None) -> Check | None:
    """A MISMATCH without recomputing when the entry records that it was trained on other data than this
    machine's copy of MNIST (entries from before the field existed record nothing and are recomputed)."""
    recorded = entry["result"].get("data_fingerprint")
    if here is None or recorded is None or recorded == here:
        return None
    return Check(run, verdicts.MISMATCH, mode="trained on other data",
                 why=f"the entry was trained on MNIST with data fingerprint {recorded[:16]}…, but this machine's copy "
                     f"is {here[:16]}…: recomputing here cannot reproduce it (`python -m hw7 diff` shows the "
                     "fingerprints; see docs/instructors.md)")


# ------------------------------------------------------------------------------------------------
# ``--dry-run``: what a selection would recompute, and for how long (nothing is computed)


@dataclass
class Planned:
    """One recomputation ``verify`` would make: a kind's runs one after another, or an MNIST batch together."""

    experiment: str
    chosen: list[registry.Run]  # the selected runs it checks
    computed: list[registry.Run]  # what is recomputed for them (an MNIST batch: its mates too)
    how: str  # how they are recomputed, in words
    seconds: float  # the estimate, from the entries' recorded times (meta.seconds)
    concurrent: float  # the most other computations any of those entries was recorded beside (0: none)


def _recorded(run: registry.Run, entry: Entry | None = None) -> float:
    try:
        return float((entry or cache.read_entry(run)).get("meta", {}).get("seconds", 0.0))
    except CacheError:
        return 0.0


def _epoch_share(run: registry.Run, epochs: int | None) -> float:
    """The part of a run's recorded time that ``--epochs`` recomputes (1 for other kinds)."""
    full = run.config.get("epochs") if run.kind == "mnist" else None
    return min(epochs, full) / full if epochs is not None and isinstance(full, int) and full > 0 else 1.0


def _planned_batch(run: registry.Run, plan: Plan, epochs: int | None, busy: dict[str, float]) -> Planned:
    batch, rebuilt, note = plan
    share = _epoch_share(run, epochs)
    seconds = sum(_recorded(r) for r in batch) * share
    scope = f", first {epochs} of {run.config.get('epochs')} epochs" if share < 1 else ""
    if len(batch) > 1:
        how = (f"{note}: {len(batch)} runs retrained together by the batched engine{scope}; the estimate is "
               "the batch's recorded time for them, plus compiling its step once (torch.compile, on the CPU for batches of 4+: "
               "seconds on an idle machine, minutes on a busy one)")
    else:
        how = f"{note or 'trained alone'}{scope}"
        if not rebuilt:
            how += "; the estimate is its share of that batch (alone it may take longer)"
    return Planned(run.experiment, [run], batch, how, seconds, max(busy.get(r.key, 0.0) for r in batch))


def dry_run(runs: Sequence[registry.Run], *, epochs: int | None = None, alone: bool = False,
            device: str | None = None) -> tuple[list[Planned], list[Check]]:
    """What :func:`verify` would recompute for ``runs`` (grouped as it groups them) and each group's estimated
    time from the cached entries' own timings; runs with no usable entry come back as MISSING/CORRUPT checks."""
    from hw7.store import provenance

    _check_options(epochs, None, None, False, device)
    checks: dict[str, Check] = {}
    entries = _read_cached(runs, checks)
    busy = provenance.concurrency() if entries else {}
    planned: dict[tuple[str, ...], Planned] = {}
    for run in (r for r in runs if r.key in entries):
        if run.kind == "mnist":
            plan = batch_plan(run, entries[run.key], alone)
            key = tuple(r.key for r in plan[0])
            if key in planned:
                planned[key].chosen.append(run)
            else:
                planned[key] = _planned_batch(run, plan, epochs, busy)
            continue
        group = planned.setdefault((run.experiment, run.kind), Planned(
            run.experiment, [], [], f"{run.kind}: each run recomputed in full, one after another", 0.0, 0.0))
        group.chosen.append(run)
        group.computed.append(run)
        group.seconds += _recorded(run, entries[run.key])
        group.concurrent = max(group.concurrent, busy.get(run.key, 0.0))
    return list(planned.values()), [checks[r.key] for r in runs if r.key in checks]


def _duration(seconds: float) -> str:
    from hw7.store.provenance import duration

    return f"{seconds:.1f} s" if seconds < 10 else duration(seconds)


def format_dry_run(plan: tuple[list[Planned], list[Check]], chosen: str, with_summary: bool = False) -> str:
    groups, unusable = plan
    lines = [f"verify --dry-run: {chosen}; nothing is computed"]
    if with_summary:
        lines.append("summary    cache/summary.json checked against its entries (nothing recomputed; under a second)")
    for g in groups:
        shared = f" — recorded beside {g.concurrent:.0f} other computation(s), so a rerun is faster" \
            if g.concurrent >= 0.5 else ""
        lines.append(f"{g.experiment:<20} {len(g.chosen)} run(s) checked, {len(g.computed)} recomputed: "
                     f"~{_duration(g.seconds)}{shared}")
        lines.append(f"    {g.how}")
    lines += [f"{c.status:<11}{c.run.experiment:<20} {c.run.key}  {c.why}" for c in unusable]
    total = sum(g.seconds for g in groups)
    inflated = sum(g.seconds for g in groups if g.concurrent >= 0.5)
    note = (f" ({_duration(inflated)} of it recorded while other computations ran beside them: an upper bound)"
            if inflated else "")
    lines.append(f"verify --dry-run: {sum(len(g.computed) for g in groups)} run(s) to recompute, estimated "
                 f"~{_duration(total)} from the entries' recorded times (meta.seconds){note}, plus loading torch "
                 f"and the data")
    return "\n".join(lines)


def dry_run_json(plan: tuple[list[Planned], list[Check]], chosen: str) -> dict[str, Any]:
    groups, unusable = plan
    return {"chosen": chosen, "dry_run": True, "estimated_seconds": sum(g.seconds for g in groups),
            "groups": [{"experiment": g.experiment, "checked": [r.key for r in g.chosen],
                        "recomputed": [r.key for r in g.computed], "how": g.how, "estimated_seconds": g.seconds,
                        "recorded_beside": g.concurrent} for g in groups],
            "unusable": [{"experiment": c.run.experiment, "key": c.run.key, "status": c.status, "why": c.why}
                         for c in unusable]}


def verify(runs: Sequence[registry.Run], *, epochs: int | None = None, alone: bool = False,
           atol: float | None = None, rtol: float | None = None, exact: bool = False,
           progress: bool = False, mnist_data: Any = None, device: str | None = None,
           cluster: "ClusterSpec | None" = None) -> list[Check]:
    """Recompute ``runs`` and judge each (:mod:`hw7.instructors.verdicts`); one :class:`Check` per run, in order.

    ``device`` (``cpu``, ``cuda``, ``cuda:1``): where to recompute MNIST runs (default: where each
    was computed, or the CPU when that was a GPU and none is here). ``cluster``: recompute as Dask tasks
    (:mod:`hw7.cluster`), one per MNIST batch and per other run. Never writes to the cache.
    """
    _check_options(epochs, atol, rtol, exact, device, here=cluster is None)
    checks: dict[str, Check] = {}
    entries = _read_cached(runs, checks)
    todo = [r for r in runs if r.key in entries]
    mnist_data, here = _local_data(todo, mnist_data)
    for run in todo:
        other = _other_data(run, entries[run.key], here)
        if other is not None:
            checks[run.key] = other
    todo = [r for r in todo if r.key not in checks]
    plans = {run.key: batch_plan(run, entries[run.key], alone) for run in todo}
    fresh = _recompute(todo, entries, plans, epochs, progress, mnist_data, device, cluster)
    versions = cache.library_versions()
    for run in todo:
        checks[run.key] = _check_one(run, entries[run.key], plans[run.key], fresh[run.key], versions,
                                     epochs, atol, rtol, exact)
    return [checks[r.key] for r in runs]


# ------------------------------------------------------------------------------------------------
# Output


def _label(run: registry.Run, width: int = 60) -> str:
    label = run.label
    return label if len(label) <= width else label[:width - 1] + "…"


def format_checks(checks: Sequence[Check], chosen: str, max_rows: int = 5) -> str:
    lines = [f"verify: {chosen}"]
    for c in checks:
        head = f"{c.status:<11}{c.run.experiment:<20} {c.run.key}  {_label(c.run)}"
        lines.append(head)
        if c.report is None:
            lines.append(f"    {c.why}")
            continue
        scope = f"{c.report.compared:,} numbers" + (f", {c.epochs}" if c.epochs else "")
        batch = f", recomputed in a batch of {c.batch}" if c.batch > 1 else ""
        lines.append(f"    machine: {c.why}")
        lines.append(f"    {scope}{batch}; demanded: {c.mode}")
        if c.consistency:
            lines.append(f"    {c.consistency}")
        if c.status == verdicts.CONSISTENT:
            d = max(c.report.differences, key=lambda d: d.rel_diff or 0.0)
            cached, fresh = compare.fmt_pair(d.a, d.b)
            rel = f", relative {d.rel_diff:.2g}" if d.rel_diff is not None else ""
            lines.append(f"    {len(c.report.differences)} field(s) beyond rounding; the largest: {d.metric}: "
                         f"cached {cached} vs recomputed {fresh}{rel}")
            continue
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
    statuses = (*verdicts.PASSING, verdicts.MISMATCH, "CORRUPT", "MISSING")
    counts = ", ".join(f"{sum(c.status == s for c in checks)} {s}" for s in statuses if any(c.status == s for c in checks))
    lines.append(f"verify: {len(checks)} run(s) checked: {counts}" + ("" if not bad else " — FAILED"))
    return "\n".join(lines)


#: how verify's JSON names the two sides of each comparison (``hw7 diff`` says "a" and "b")
SIDES = ("cached", "recomputed")


def checks_json(checks: Sequence[Check], chosen: str) -> dict[str, Any]:
    return {
        "chosen": chosen,
        "ok": all(c.ok for c in checks),
        "runs": [{"experiment": c.run.experiment, "key": c.run.key, "label": c.run.label, "status": c.status,
                  "verdict": c.status if c.report is not None else None, "rule": c.mode, "why": c.why,
                  "machine": c.machine, "consistency": c.consistency, "batch": c.batch, "epochs": c.epochs,
                  "comparison": compare.report_json(c.report, SIDES) if c.report is not None else None}
                 for c in checks],
    }


# ------------------------------------------------------------------------------------------------
# ``--summary``: summary.json against the entries it is built from (nothing recomputed)


def _summary_value(value: Any) -> Any:
    return None if value is summary.ABSENT else value


def format_summary(result: summary.Check, max_rows: int = 20) -> str:
    """Human-readable outcome of :func:`hw7.store.summary.check`: agreement, or each differing key."""
    head = f"summary: {result.path}"
    problem = result.error()
    if problem is None:
        return f"{head}\nok         {len(result.stored)} metrics agree with the cache entries they are built from"
    if result.built.corrupt or result.built.missing:
        return _format_unbuilt(result, max_rows)
    if not result.mismatches:
        return f"{head}\n{_summary_verdict(result):<11}{problem}"
    lines = [head] + [f"MISMATCH   {m.describe()}" for m in result.mismatches[:max_rows]]
    if len(result.mismatches) > max_rows:
        lines.append(f"           ... and {len(result.mismatches) - max_rows} more (--json lists all)")
    lines.append(f"{len(result.mismatches)} metric(s) differ from the cache entries the file is built from; "
                 "rebuild it with `python -m hw7 summary`")
    return "\n".join(lines)


def _format_unbuilt(result: summary.Check, max_rows: int) -> str:
    """A damaged or missing entry first, by path and with the command that regenerates it: the metrics its
    experiment gives cannot be rebuilt, so the file's copies of them are unchecked, not "in the file only"."""
    b = result.built
    lines = [f"summary: {result.path}"]
    lines += [f"CORRUPT    {message}" for message in b.corrupt.values()]
    lines += [f"MISSING    {name}: runs with no cached result; compute them with `python -m hw7 run {name}`"
              for name in b.missing]
    real = [m for m in result.mismatches if m.fresh is not summary.ABSENT]
    lines += [f"MISMATCH   {m.describe()}" for m in real[:max_rows]]
    unchecked = [m.metric for m in result.mismatches if m.fresh is summary.ABSENT]
    if unchecked:
        shown = ", ".join(unchecked[:5]) + (", ..." if len(unchecked) > 5 else "")
        lines.append(f"unchecked  {len(unchecked)} metric(s) of the file ({shown}): the experiments above give none "
                     "until their entries are fixed")
    fix = "regenerate the damaged entries as shown" if b.corrupt else "compute the missing runs as shown"
    lines.append(f"summary.json cannot be checked in full: {fix}, then run `python -m hw7 verify --summary` again")
    return "\n".join(lines)


def _summary_verdict(result: summary.Check) -> str:
    if result.unreadable is not None:
        return "MISSING" if isinstance(result.unreadable, CacheMissing) else "MISMATCH"
    if result.built.corrupt:
        return "CORRUPT"
    return "MISSING" if result.built.missing else "MISMATCH"


def summary_json(result: summary.Check) -> dict[str, Any]:
    """Strict JSON (values are finite numbers or null; a key absent on one side is listed as such)."""
    problem = result.error()
    return {
        "summary": str(result.path), "ok": result.ok, "verdict": "ok" if result.ok else _summary_verdict(result),
        "metrics": len(result.stored),
        "differences": [{"metric": m.metric, "experiment": m.experiment, "file": _summary_value(m.stored),
                         "entries": _summary_value(m.fresh), "in_file": m.stored is not summary.ABSENT,
                         "in_entries": m.fresh is not summary.ABSENT} for m in result.mismatches],
        "missing": result.built.missing, "corrupt": result.built.corrupt,
        "error": None if problem is None else str(problem),
    }
