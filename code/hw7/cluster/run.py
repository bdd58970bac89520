"""``hw7 run … --cluster SPEC``: every missing run as a Dask task, each entry written as it returns.

A task is one uncached run, or one chunk of MNIST runs that the batched engine trains together
(:func:`hw7.mnist.train.task_groups`: same shapes and batch size, at most 64), so a cluster computes
exactly the batches a local ``hw7 run`` computes. The worker returns plain JSON text (results, timing,
and the machine that computed them); the client parses it, checks its shape and writes the entry with
:func:`hw7.store.cache.write_entry` (atomic, checksummed), so workers need no access to ``cache/``.
A task that fails is named in one ``hw7: error:`` line; the others go on, and ``hw7 run`` exits 1.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Sequence

from hw7.cluster import connect, pool, worker
from hw7.cluster.spec import ClusterSpec
from hw7.store import cache, registry

Batch = list[registry.Run]


def groups(kind: str, configs: list[dict[str, Any]]) -> list[list[int]]:
    """Indices of ``configs`` computed together: MNIST chunks as the engine forms them, any other kind one by one.
    MNIST configs are validated here, so a typo fails before anything is submitted (as it does locally)."""
    if kind == "mnist":
        from hw7.mnist.train import task_groups

        return task_groups(configs)
    return [[i] for i in range(len(configs))]


def plan(experiments: Sequence[registry.Experiment], force: bool) -> list[Batch]:
    """The batches to compute, experiment by experiment (a run shared by two experiments is computed once,
    for the first), printing what ``hw7 run`` prints locally."""
    planned: set[str] = set()
    batches: list[Batch] = []
    for exp in experiments:
        todo = [r for r in exp.runs if r.key not in planned and (force or cache.state(r) != "cached")]
        if not todo:
            print(f"{exp.name}: all {len(exp.runs)} runs cached")
            continue
        print(f"{exp.name}: computing {len(todo)} of {len(exp.runs)} runs ({exp.title})", flush=True)
        planned.update(r.key for r in todo)
        batches += [[todo[i] for i in group] for group in groups(exp.kind, [r.config for r in todo])]
    return batches


def name(batch: Batch) -> str:
    """How an error line names a task's runs."""
    first = batch[0]
    if len(batch) == 1:
        return f"run {first.key} of {first.experiment} ({first.label})"
    return f"{len(batch)} runs of {first.experiment} trained together ({first.key} ({first.label}) and {len(batch) - 1} more)"


def _error(message: str) -> None:
    from tqdm.auto import tqdm

    tqdm.write(f"hw7: error: {message}", file=sys.stderr)
    sys.stderr.flush()


def _item(item: Any, size: int) -> tuple[int, dict[str, Any], float, str, dict[str, Any]]:
    """One reply item, checked: (index, result, seconds, device, produced); ValueError when malformed."""
    ok = (isinstance(item, dict) and isinstance(item.get("index"), int) and 0 <= item["index"] < size
          and isinstance(item.get("result"), dict) and isinstance(item.get("seconds"), (int, float))
          and isinstance(item.get("device"), str) and isinstance(item.get("produced"), dict)
          and isinstance(item["produced"].get("versions"), dict) and isinstance(item["produced"].get("platform"), str)
          and isinstance(item["produced"].get("machine"), dict))
    if not ok:
        raise ValueError("the worker's reply has a malformed result")
    produced = {k: item["produced"][k] for k in ("versions", "platform", "machine")}
    return item["index"], item["result"], float(item["seconds"]), item["device"], produced


def save(batch: Batch, outcome: pool.Outcome, progress: bool) -> int:
    """Write the entries of one finished task; the number of its runs that failed (each named in one line)."""
    if outcome.error is not None:
        _error(f"{outcome.task.name} failed: {outcome.error}")
        return len(batch)
    try:
        items = [_item(item, len(batch)) for item in (outcome.value if isinstance(outcome.value, list) else [None])]
    except ValueError as exc:
        _error(f"{outcome.task.name} failed: {exc}")
        return len(batch)
    done: set[int] = set()
    for index, result, seconds, device, produced in items:
        if index in done:
            continue  # a reply names each run once; a duplicate is ignored rather than written twice
        path = cache.write_entry(batch[index], result, seconds=seconds, device=device, produced=produced)
        done.add(index)
        if not progress:
            print(f"  saved {path}", flush=True)
    for index in sorted(set(range(len(batch))) - done):
        _error(f"{name([batch[index]])} failed: the worker returned no result for it")
    return len(batch) - len(done)


def run_experiments(experiments: Sequence[registry.Experiment], spec: ClusterSpec, *, force: bool,
                    progress: bool) -> int:
    """Compute the missing runs of ``experiments`` on ``spec``'s cluster; how many runs failed (0: all saved)."""
    batches = plan(experiments, force)
    if not batches:
        return 0
    runs = sum(len(b) for b in batches)
    tasks = [pool.Task(name(b), worker.compute_runs, (b[0].kind, [r.config for r in b]), tag=b[0].key) for b in batches]
    by_task = {id(t): b for t, b in zip(tasks, batches)}
    started = time.perf_counter()
    failed = 0
    print(f"cluster: {len(tasks)} task(s) for {runs} run(s) on {spec.describe()}", flush=True)
    with connect.connect(spec) as client:
        print(f"cluster: {connect.describe(client)}", flush=True)
        for outcome in pool.run_tasks(client, tasks, progress=progress, desc="cluster tasks"):
            failed += save(by_task[id(outcome.task)], outcome, progress)
    print(f"cluster: saved {runs - failed} of {runs} runs in {time.perf_counter() - started:.1f} s"
          + (f"; {failed} failed (named above) — run the same command again to retry them" if failed else ""),
          flush=True)
    return failed
