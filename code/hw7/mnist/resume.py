"""Is a checkpoint's state one this run can resume from? Checked before anything is restored.

A checkpoint that matches the run's config and format (:mod:`hw7.mnist.checkpoint`) may still hold a
state no training wrote: an epoch beyond the run, a made-up history, weights of other shapes, an
optimizer state for other parameters. Resumed, it would be saved as a checksummed entry (or crash
mid-run). :func:`check_state` demands what :meth:`hw7.mnist.reference._Run.state` writes: every field,
an epoch before the last, a history that passes the MNIST result check for exactly that many epochs
(:func:`hw7.mnist.results.check`), finite weights of this network's shapes, optimizer and scheduler
states for this optimizer's parameters and this epoch, and random-stream states of the right kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import optim

from hw7.mnist import results
from hw7.mnist.config import TrainConfig
from hw7.sense import fields, integer, mapping, need, real

STATE = ("format", "config", "epoch", "net", "opt", "sched", "gen", "aug_gen", "global_rng", "cuda_rng", "result",
         "seconds", "cpu_seconds")


def check_state(state: Any, cfg: TrainConfig, net: torch.nn.Module, opt: optim.Optimizer,
                sched: optim.lr_scheduler.LRScheduler | None) -> None:
    """Raise :class:`~hw7.sense.Nonsense` unless ``state`` can be restored into this run's ``net``/``opt``/``sched``."""
    s = fields(state, "the checkpoint", STATE)
    epoch = integer(s["epoch"], "its epoch", 1, cfg.epochs - 1)
    results.check(cfg.to_dict(), s["result"], epochs_run=epoch, where="its history")
    real(s["seconds"], "its seconds", 0.0)
    real(s["cpu_seconds"], "its cpu_seconds", 0.0)
    _tensors_like(s["net"], net.state_dict(), "its weights")
    _optimizer(s["opt"], opt)
    if sched is None:
        need(s["sched"] is None, "it has a learning-rate schedule, the config none")
    else:
        need(integer(mapping(s["sched"], "its schedule").get("last_epoch"), "its schedule's epoch") == epoch,
             "its schedule is not at its epoch")
    for name in ("gen", "global_rng") + (("aug_gen",) if cfg.augment is not None else ()):
        need(isinstance(s[name], torch.Tensor) and s[name].dtype == torch.uint8, f"its {name} is not a random-stream state")


def _tensors_like(saved: Any, expected: Mapping[str, torch.Tensor], where: str) -> None:
    """The same names and shapes as ``expected``; floating-point tensors finite (never saved after a divergence)."""
    saved = mapping(saved, where)
    need(list(saved) == list(expected), f"{where} name other tensors than this network's")
    for name, tensor in saved.items():
        need(isinstance(tensor, torch.Tensor) and tensor.shape == expected[name].shape,
             f"{where}: {name} has another shape than this network's {tuple(expected[name].shape)}")
        need(not tensor.is_floating_point() or bool(torch.isfinite(tensor).all()), f"{where}: {name} is not finite")


def _optimizer(saved: Any, opt: optim.Optimizer) -> None:
    """Parameter groups as this optimizer's; every per-parameter state tensor shaped like its parameter."""
    saved = fields(saved, "its optimizer state", ("state", "param_groups"))
    mine = opt.state_dict()["param_groups"]
    groups = saved["param_groups"]
    need(isinstance(groups, list) and [g.get("params") if isinstance(g, Mapping) else None for g in groups]
         == [g["params"] for g in mine], "its optimizer state is for other parameters")
    params = [p for group in opt.param_groups for p in group["params"]]
    per_index: Mapping[Any, Any] = mapping(saved["state"], "its optimizer state")  # parameter index -> its state
    for index, per_param in per_index.items():
        need(isinstance(index, int) and 0 <= index < len(params), "its optimizer state names other parameters")
        for name, value in mapping(per_param, "its optimizer state").items():
            if isinstance(value, torch.Tensor) and value.ndim > 0:
                need(value.shape == params[index].shape, f"its optimizer's {name} has another shape than its parameter")
