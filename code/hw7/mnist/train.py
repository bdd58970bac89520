"""Which loop trains which run: the batched engine where it can, the plain reference loop otherwise.

Batch norm and dropout need per-run train/eval modes that the batched step does not implement, and
long runs (over :data:`hw7.mnist.config.LONG_RUN_EPOCHS` epochs) should survive a kill, so those
configs go through :func:`hw7.mnist.reference.train_one`, checkpointed every epoch when a checkpoint
folder is given; everything else trains batched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import torch

from hw7.mnist import engine, reference
from hw7.mnist.checkpoint import Checkpoint, check_folder
from hw7.mnist.common import check_against_data, resolve_device
from hw7.mnist.config import TrainConfig, as_config
from hw7.mnist.data import MnistData

#: Runs of equal shapes trained together by the batched engine, at most this many at a time.
CHUNK_SIZE = 64


def train_many(configs: Sequence[TrainConfig | Mapping[str, Any]], data: MnistData, *,
               device: torch.device | str | None = None, progress: bool = True, chunk_size: int = CHUNK_SIZE,
               dtype: torch.dtype = torch.float32, fused: bool | None = None,
               compile: bool | None = None, checkpoints: Path | None = None) -> Iterator[tuple[int, dict]]:
    """Train every config; yield ``(index, result)`` as each run finishes.

    Every config is checked against the data before any training starts. ``dtype=torch.float64`` is
    for tests; ``chunk_size``, ``fused`` and ``compile`` tune the batched engine
    (:func:`hw7.mnist.engine.train_batched`). With ``checkpoints`` (a folder), reference-loop runs save a
    checkpoint there every epoch and resume from a matching one; it is removed once the caller has
    taken the result (the generator resumes after the caller stored it). The folder is checked before
    any run trains (:func:`hw7.mnist.checkpoint.check_folder`).
    """
    cfgs = [as_config(c) for c in configs]
    for c in cfgs:
        check_against_data(c, data)
    dev = resolve_device(device)
    batched = [(i, c) for i, c in enumerate(cfgs) if c.batchable]
    singles = [(i, c) for i, c in enumerate(cfgs) if not c.batchable]
    if singles and checkpoints is not None:
        check_folder(checkpoints)  # before any training: a folder that cannot take a file fails now, in one line
    yield from engine.train_batched(batched, data, dev, progress=progress, chunk_size=chunk_size, dtype=dtype,
                                    fused=fused, compile=compile)
    for i, c in singles:
        ckpt = Checkpoint.for_config(c, checkpoints) if checkpoints is not None else None
        yield i, reference.train_one(c, data, device=dev, dtype=dtype, progress=progress, checkpoint=ckpt)
        if ckpt is not None:
            ckpt.remove()


def task_groups(configs: Sequence[TrainConfig | Mapping[str, Any]], chunk_size: int = CHUNK_SIZE) -> list[list[int]]:
    """Which configs :func:`train_many` trains together (indices into ``configs``): each chunk of the batched
    engine, then each reference-loop run alone. A cluster task is one group, so its results equal a local run's."""
    cfgs = [as_config(c) for c in configs]
    batched = [(i, c) for i, c in enumerate(cfgs) if c.batchable]
    chunks = [[i for i, _ in chunk] for chunk in engine.plan_chunks(batched, chunk_size)]
    return chunks + [[i] for i, c in enumerate(cfgs) if not c.batchable]
