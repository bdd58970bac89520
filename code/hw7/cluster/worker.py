"""What runs on a Dask worker: a function of the package, its value sent back as plain JSON text.

A worker must run the very code the client runs (a result is stored under the client's key for the
kind's code version), so every task carries the client's :func:`code_identity` and refuses to run on
a worker whose ``hw7`` sources differ. A :class:`~hw7.errors.Hw7Error` (a bad config, missing data)
comes back as an error text instead of an exception: Dask retries exceptions, and retrying a mistake
a person must fix only wastes time. Any other exception propagates, so Dask retries the task once.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from functools import cache
from pathlib import Path
from typing import Any, Callable

import hw7
from hw7.errors import Hw7Error


@cache
def code_identity() -> str:
    """A digest of every ``hw7`` source file (path and bytes): equal on client and worker iff the code is."""
    root = Path(hw7.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def call(fn: Callable[..., Any], args: tuple, identity: str) -> str:
    """``fn(*args)`` here, as JSON text: ``{"value": ...}``, or ``{"error": "one line"}`` for a person's error."""
    here = code_identity()
    if here != identity:
        return json.dumps({"error": f"worker {socket.gethostname()} runs other hw7 code than the client (source digest "
                                    f"{here}, client {identity}); start the workers from the same checkout"})
    try:
        value = fn(*args)
    except Hw7Error as exc:
        return json.dumps({"error": f"{type(exc).__name__}: {exc}"})
    return json.dumps({"value": value}, allow_nan=True)


def compute_runs(kind: str, configs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The kind's runner over ``configs`` (one task: one run, or one chunk the MNIST engine trains together).

    Each item is what :func:`hw7.store.cache.write_entry` needs from this machine: the result, its seconds
    (the runner's own timing when it gives one, as ``hw7 run`` records it), the device and the machine
    fingerprint taken while the runner is paused at the result."""
    from hw7.store import cache, registry

    compute = registry.runner(kind)
    items: list[dict[str, Any]] = []
    last = time.perf_counter()
    for index, result in compute(configs, progress=False):
        now = time.perf_counter()
        device = str(result.get("device", "cpu"))
        items.append({"index": index, "result": result, "seconds": float(result.get("seconds", now - last)),
                      "device": device, "produced": cache.produced_here(device)})
        last = now
    return items
