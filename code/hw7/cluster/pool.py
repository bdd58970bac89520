"""Submit tasks to a Dask client and hand back each outcome the moment it completes, under one progress bar.

Fault handling is Dask's: a worker that dies mid-task has its tasks run again on another worker (the
scheduler gives up after ``distributed.scheduler.allowed-failures`` deaths, 3 by default, with
``KilledWorker``); a task that raises is retried :data:`RETRIES` time(s) (:mod:`hw7.cluster.worker`
returns a person's error without raising, so only unexpected faults are retried). Each task's outcome
is yielded once, whatever happened on the way, so its results are stored once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from hw7.cluster import worker

if TYPE_CHECKING:
    from distributed import Client, Future

#: how many times Dask runs a raising task again (a worker's transient fault: full disk, out of memory)
RETRIES = 1


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args)`` on a worker; ``name`` says which runs it computes (error lines)."""

    name: str
    fn: Callable[..., Any]
    args: tuple
    tag: str = "task"  # readable part of the Dask key (a run key)


@dataclass
class Outcome:
    task: Task
    value: Any = None
    error: str | None = None  # one line: what went wrong


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _outcome(task: Task, future: "Future") -> Outcome:
    if future.status != "finished":  # erred (after its retries) or cancelled
        exc = future.exception() if future.status == "error" else None
        return Outcome(task, error=one_line(exc) if exc is not None else f"task {future.status}")
    text = future.result()
    try:
        doc = json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return Outcome(task, error="the worker's reply is not JSON text")
    if not isinstance(doc, dict) or not ({"value"} == set(doc) or ({"error"} == set(doc) and isinstance(doc["error"], str))):
        return Outcome(task, error="the worker's reply is neither a value nor an error")
    return Outcome(task, value=doc.get("value"), error=doc.get("error"))


def run_tasks(client: "Client", tasks: Sequence[Task], *, progress: bool, desc: str = "tasks") -> Iterator[Outcome]:
    """Every task's :class:`Outcome`, in the order they complete. Tasks not yet done when the caller stops
    (an interrupt, an error) are cancelled."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    identity = worker.code_identity()
    futures = {client.submit(worker.call, t.fn, t.args, identity, key=f"hw7-{t.tag}-{uuid.uuid4().hex[:8]}",
                             retries=RETRIES, pure=False): t for t in tasks}
    bar = tqdm(total=len(tasks), desc=desc, unit="task", disable=not progress, leave=True)
    try:
        for future in as_completed(list(futures)):
            task = futures.pop(future)
            outcome = _outcome(task, future)
            future.release()
            bar.update(1)
            yield outcome
    finally:
        bar.close()
        for future in futures:
            future.cancel()
