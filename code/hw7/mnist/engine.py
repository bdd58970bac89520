"""Batched MNIST trainer: runs that share every tensor shape train together, each on its own seed.

Each run keeps its own seed (initial weights drawn by :class:`hw7.mnist.network.Network`), its own
shuffle per epoch and its own hyper-parameters, so a run's history does not depend on which other
runs share its batch, up to float rounding (tests check it against :func:`hw7.mnist.reference.train_one`,
which uses ``torch.optim`` and autograd). The per-step math is in :mod:`hw7.mnist.batched`; this module
is the epoch loop: evaluate, record, drop diverged runs, report progress.
"""

from __future__ import annotations

import time
from typing import Any, Iterator, Sequence

import torch

from hw7.mnist.batched import Chunk, compile_available
from hw7.mnist.common import empty_result, eval_split, flush_denormals, mark_diverged
from hw7.mnist.config import TrainConfig
from hw7.mnist.data import MnistData


def train_chunk(items: list[tuple[int, TrainConfig]], ds: MnistData, device: torch.device, dtype: torch.dtype,
                 bar: Any, fused: bool | None = None, compiled: bool = False) -> Iterator[tuple[int, dict]]:
    started = time.perf_counter()
    cfgs = [c for _, c in items]
    chunk = Chunk(cfgs, ds, device, dtype, fused, compiled)
    results = [empty_result(c, device) for c in cfgs]
    rows: list[int | None] = list(range(len(items)))  # chunk row -> position in `items`; None once it diverged
    n, E, L = ds.train_x.shape[0], cfgs[0].epochs, chunk.n_layers
    update_every = 100
    for epoch in range(E):
        chunk.set_epoch(epoch, n)
        pending = 0
        for s in range(chunk.n_steps):
            chunk.step(s)
            pending += 1
            if bar is not None and pending == update_every:
                bar.update(pending)
                pending = 0
        if bar is not None and pending:
            bar.update(pending)
        eval_loss, eval_acc = chunk.evaluate()
        finite = chunk.finite() & torch.isfinite(chunk.loss_acc)
        steps = chunk.n_steps
        stats = torch.cat([(chunk.loss_acc / steps)[:, None], (chunk.ratio_acc / steps)[:, None],
                           chunk.norm_acc / steps, eval_loss[:, None], eval_acc[:, None],
                           finite[:, None].double()], dim=1).cpu().tolist()  # the one sync per epoch
        done = []
        for i, row in enumerate(stats):
            pos = rows[i]
            if pos is None:
                continue
            r = results[pos]
            r["train_loss"].append(row[0])
            r["grad_ratio"].append(row[1])
            r["grad_norms"].append(row[2:2 + L])
            r["eval_loss"].append(row[2 + L])
            r["eval_acc"].append(row[3 + L])
            if row[4 + L] != 1.0:
                mark_diverged(r, epoch + 1, L, E)
                done.append(i)
        if done:
            elapsed = time.perf_counter() - started
            for i in done:
                pos, rows[i] = rows[i], None
                results[pos]["seconds"] = elapsed / len(items)
                results[pos]["runs_in_batch"] = len(items)
                yield items[pos][0], results[pos]
            if all(pos is None for pos in rows):
                if bar is not None:
                    bar.update((E - epoch - 1) * chunk.n_steps)
                return
            if chunk.compiled:
                chunk.freeze(done)
            else:
                kept = [i for i, pos in enumerate(rows) if pos is not None]
                rows = [rows[i] for i in kept]
                chunk.keep(kept)
        alive = [pos for pos in rows if pos is not None]
        if bar is not None:
            accs = [results[p]["eval_acc"][-1] for p in alive]
            bar.set_postfix(epoch=epoch + 1, mean_acc=f"{sum(accs) / len(accs):.4f}", runs=len(alive))
    elapsed = time.perf_counter() - started
    for pos in (p for p in rows if p is not None):
        results[pos]["seconds"] = elapsed / len(items)
        results[pos]["runs_in_batch"] = len(items)
        yield items[pos][0], results[pos]


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

    groups: dict[tuple, list[tuple[int, TrainConfig]]] = {}
    for i, c in items:
        groups.setdefault(c.group_key, []).append((i, c))
    chunks = [group[j:j + chunk_size] for group in groups.values() for j in range(0, len(group), chunk_size)]
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
