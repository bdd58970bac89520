"""Batched MNIST trainer: runs that share every tensor shape train together, each on its own seed.

Each run keeps its own seed (initial weights drawn by :class:`hw7.mnist.network.Network`), its own
shuffle per epoch and its own hyper-parameters, so a run's history does not depend on which other
runs share its batch, up to float rounding (tests check it against :func:`hw7.mnist.reference.train_one`,
which uses ``torch.optim`` and autograd). The per-step math is in :mod:`hw7.mnist.batched`; this module
is the epoch loop: evaluate, record, drop diverged runs, report progress.
"""

from __future__ import annotations

import time
from typing import Any, Iterator, NamedTuple, Sequence

import torch

from hw7.mnist.batched import Chunk, compile_available
from hw7.mnist.common import empty_result, eval_split, flush_denormals, mark_diverged, record_predictions
from hw7.mnist.config import TrainConfig
from hw7.mnist.data import MnistData

#: progress-bar updates per this many steps (each update costs a little Python)
BAR_EVERY = 100


class EpochRecord(NamedTuple):
    """What one run of a chunk records after an epoch (means over the epoch's steps, then the evaluation)."""

    train_loss: float
    grad_ratio: float
    grad_norms: list[float]  # one per weight matrix
    eval_loss: float
    eval_acc: float
    finite: bool  # False: the run diverged during this epoch
    input_norms: list[float]  # mean norm of each weight layer's input on the evaluation set (the image first)


def _train_epoch(chunk: Chunk, epoch: int, n: int, bar: Any) -> None:
    """Every step of one epoch for every run of the chunk, advancing the bar every BAR_EVERY steps."""
    chunk.set_epoch(epoch, n)
    pending = 0
    for s in range(chunk.n_steps):
        chunk.step(s)
        pending += 1
        if bar is not None and pending == BAR_EVERY:
            bar.update(pending)
            pending = 0
    if bar is not None and pending:
        bar.update(pending)


def _epoch_records(chunk: Chunk) -> tuple[list[EpochRecord], torch.Tensor]:
    """One record per chunk row, read from the device in one transfer (the one sync per epoch), and the
    rows' predicted labels (K, n) on the CPU."""
    eval_loss, eval_acc, pred, input_norms = chunk.evaluate()
    finite = chunk.finite() & torch.isfinite(chunk.loss_acc)
    steps, L = chunk.n_steps, chunk.n_layers
    stats = torch.cat([(chunk.loss_acc / steps)[:, None], (chunk.ratio_acc / steps)[:, None],
                       chunk.norm_acc / steps, eval_loss[:, None], eval_acc[:, None],
                       finite[:, None].double(), input_norms], dim=1).cpu().tolist()
    records = [EpochRecord(row[0], row[1], row[2:2 + L], row[2 + L], row[3 + L], row[4 + L] == 1.0, row[5 + L:])
               for row in stats]
    return records, pred.cpu()


def _append(result: dict[str, Any], record: EpochRecord) -> None:
    result["train_loss"].append(record.train_loss)
    result["grad_ratio"].append(record.grad_ratio)
    result["grad_norms"].append(record.grad_norms)
    result["eval_loss"].append(record.eval_loss)
    result["eval_acc"].append(record.eval_acc)
    result["input_norms"].append(record.input_norms)


def _finished(items: list[tuple[int, TrainConfig]], results: list[dict[str, Any]], positions: list[int],
              started: float) -> Iterator[tuple[int, dict]]:
    """The one end-of-run path (diverged or done): time shared equally by the chunk's runs, then yield."""
    elapsed = time.perf_counter() - started
    for pos in positions:
        results[pos]["seconds"] = elapsed / len(items)
        results[pos]["runs_in_batch"] = len(items)
        yield items[pos][0], results[pos]


def _show(bar: Any, epoch: int, results: list[dict[str, Any]], alive: list[int]) -> None:
    if bar is not None:
        accs = [results[p]["eval_acc"][-1] for p in alive]
        bar.set_postfix(epoch=epoch + 1, mean_acc=f"{sum(accs) / len(accs):.4f}", runs=len(alive))


def train_chunk(items: list[tuple[int, TrainConfig]], ds: MnistData, device: torch.device, dtype: torch.dtype,
                bar: Any, fused: bool | None = None, compiled: bool = False) -> Iterator[tuple[int, dict]]:
    """Train one chunk of runs that share every shape; yield ``(index, result)`` as each run ends.

    A run that diverges ends at once (its later epochs read NaN) and leaves the chunk: the eager step
    drops its row, the compiled step (fixed shapes) freezes it instead.
    """
    started = time.perf_counter()
    cfgs = [c for _, c in items]
    chunk = Chunk(cfgs, ds, device, dtype, fused, compiled)
    results = [empty_result(c, device) for c in cfgs]
    rows: list[int | None] = list(range(len(items)))  # chunk row -> position in `items`; None once it diverged
    n, epochs = ds.train_x.shape[0], cfgs[0].epochs
    for epoch in range(epochs):
        _train_epoch(chunk, epoch, n, bar)
        done = []
        records, pred = _epoch_records(chunk)
        for i, record in enumerate(records):
            pos = rows[i]
            if pos is None:
                continue
            _append(results[pos], record)
            record_predictions(results[pos], pred[i], cfgs[pos], epoch + 1)
            if not record.finite:
                mark_diverged(results[pos], epoch + 1, chunk.n_layers, epochs)
                done.append(i)
        if done:
            ended = [p for p in (rows[i] for i in done) if p is not None]
            for i in done:
                rows[i] = None
            yield from _finished(items, results, ended, started)
            if all(pos is None for pos in rows):
                if bar is not None:
                    bar.update((epochs - epoch - 1) * chunk.n_steps)
                return
            rows = _drop(chunk, rows, done)
        _show(bar, epoch, results, [pos for pos in rows if pos is not None])
    yield from _finished(items, results, [p for p in rows if p is not None], started)


def _drop(chunk: Chunk, rows: list[int | None], done: list[int]) -> list[int | None]:
    """Take diverged rows out of the step: the compiled step freezes them, the eager one drops them."""
    if chunk.compiled:
        chunk.freeze(done)
        return rows
    kept = [i for i, pos in enumerate(rows) if pos is not None]
    chunk.keep(kept)
    return [rows[i] for i in kept]


def plan_chunks(items: Sequence[tuple[int, TrainConfig]], chunk_size: int) -> list[list[tuple[int, TrainConfig]]]:
    """The chunks :func:`train_batched` trains, in its order: runs of equal shapes (``group_key``, in order of
    first appearance), up to ``chunk_size`` at a time. A Dask task (:mod:`hw7.cluster`) is one such chunk."""
    groups: dict[tuple, list[tuple[int, TrainConfig]]] = {}
    for i, c in items:
        groups.setdefault(c.group_key, []).append((i, c))
    return [group[j:j + chunk_size] for group in groups.values() for j in range(0, len(group), chunk_size)]


def train_batched(items: Sequence[tuple[int, TrainConfig]], data: MnistData, device: torch.device, *,
                  progress: bool = True, chunk_size: int = 64, dtype: torch.dtype = torch.float32,
                  fused: bool | None = None, compile: bool | None = None) -> Iterator[tuple[int, dict]]:
    """Train batchable ``(index, config)`` items: groups of equal shapes, in chunks of up to ``chunk_size``.

    ``fused`` picks the eager optimizer implementation (default: torch's fused kernels on CPU);
    ``compile`` runs each step as one ``torch.compile``'d function (default: on CPU for chunks of 4+
    runs when a C++ compiler is present; ~5 s to compile per shape).
    """
    prepared: dict[str, MnistData] = {}

    def dataset(c: TrainConfig) -> MnistData:
        if c.eval not in prepared:
            prepared[c.eval] = eval_split(data, c).to(device, dtype)
        return prepared[c.eval]

    chunks = plan_chunks(items, chunk_size)
    for number, chunk in enumerate(chunks, 1):
        c0 = chunk[0][1]
        ds = dataset(c0)
        n = ds.train_x.shape[0]
        total = c0.epochs * (n // c0.batch_size + (1 if n % c0.batch_size else 0))
        bar = None
        if progress:
            from tqdm.auto import tqdm
            label = f"chunk {number}/{len(chunks)}: {len(chunk)} x {'-'.join(map(str, c0.sizes))} {c0.activation} {c0.optimizer}"
            bar = tqdm(total=total, desc=label, unit="step", leave=True)
        try:
            with flush_denormals():
                use_compile = compile if compile is not None else (len(chunk) >= 4 and compile_available(device))
                use_compile = use_compile and c0.augment is None  # the compiled step gathers its own batch
                yield from train_chunk(chunk, ds, device, dtype, bar, fused, use_compile)
        finally:
            if bar is not None:
                bar.close()
