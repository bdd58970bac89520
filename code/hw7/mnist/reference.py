"""The plain training loop: one ``Network``, ``torch.optim``, autograd — the homework's ``train``.

It sees exactly the batches the batched engine sees (same seeded shuffle per epoch) and records the
same metrics, so it is the yardstick the engine is tested against. It also trains the configs the
engine cannot batch (batch-norm, dropout, long runs), switching ``model.train()`` / ``model.eval()``
properly, and can checkpoint every epoch (:mod:`hw7.mnist.checkpoint`) so a killed run resumes.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import optim

from hw7.mnist.checkpoint import Checkpoint
from hw7.mnist.common import (
    augment_generator,
    check_against_data,
    empty_result,
    eval_split,
    flush_denormals,
    mark_diverged,
    record_predictions,
    resolve_device,
    shuffle_generator,
)
from hw7.mnist.config import COSINE, TrainConfig, as_config
from hw7.mnist.data import MnistData
from hw7.mnist.network import STREAM_DROPOUT, Network, stream_seed
from hw7.mnist.resume import check_state


def make_optimizer(cfg: TrainConfig, params: Any) -> optim.Optimizer:
    """The homework's optimizers: SGD (momentum, Nesterov, weight decay) or Adam (betas, weight decay)."""
    if cfg.optimizer == "adam":
        return optim.Adam(params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, weight_decay=cfg.weight_decay)
    return optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov, weight_decay=cfg.weight_decay)


def make_scheduler(cfg: TrainConfig, opt: optim.Optimizer) -> optim.lr_scheduler.LRScheduler | None:
    """StepLR or cosine annealing to 0 over the run, stepped once per epoch (None: constant rate)."""
    if cfg.scheduler == COSINE:
        return optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)
    if isinstance(cfg.scheduler, tuple):
        return optim.lr_scheduler.StepLR(opt, *cfg.scheduler)
    return None


@torch.no_grad()
def evaluate(net: Network, x: torch.Tensor, y: torch.Tensor, rows: int = 10_000) -> tuple[float, float, torch.Tensor]:
    """Mean cross-entropy, accuracy and predicted labels of ``net`` (in eval mode) on ``(x, y)``."""
    was_training = net.training
    net.eval()
    loss = torch.zeros((), dtype=torch.float64, device=x.device)
    correct = torch.zeros((), dtype=torch.float64, device=x.device)
    preds = []
    for start in range(0, x.shape[0], rows):
        out = net(x[start:start + rows])
        yy = y[start:start + rows]
        loss += F.cross_entropy(out, yy, reduction="sum").double()
        preds.append(out.argmax(dim=1))
        correct += (preds[-1] == yy).sum().double()
    net.train(was_training)
    return (loss / x.shape[0]).item(), (correct / x.shape[0]).item(), torch.cat(preds)


@dataclass
class _Run:
    """One run's live state: what an epoch reads and writes, and what a checkpoint stores."""

    cfg: TrainConfig
    ds: MnistData
    net: Network
    opt: optim.Optimizer
    sched: optim.lr_scheduler.LRScheduler | None
    gen: torch.Generator
    aug_gen: torch.Generator | None
    result: dict[str, Any]
    epoch: int = 0              # epochs finished
    seconds: float = 0.0        # wall and CPU time spent before this process took the run over
    cpu_seconds: float = 0.0

    @property
    def weights(self) -> list[torch.Tensor]:
        return [layer.weight for layer in self.net.linears]

    def state(self, seconds: float, cpu_seconds: float) -> dict[str, Any]:
        """Everything the next epoch depends on (weights, optimizer, scheduler, every random stream)."""
        dev = self.ds.train_x.device
        return {"epoch": self.epoch, "net": self.net.state_dict(), "opt": self.opt.state_dict(),
                "sched": None if self.sched is None else self.sched.state_dict(),
                "gen": self.gen.get_state(), "aug_gen": None if self.aug_gen is None else self.aug_gen.get_state(),
                "global_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state(dev) if dev.type == "cuda" else None,
                "result": self.result, "seconds": seconds, "cpu_seconds": cpu_seconds}

    def restore(self, state: dict[str, Any]) -> None:
        dev = self.ds.train_x.device
        self.net.load_state_dict(state["net"])
        self.opt.load_state_dict(state["opt"])
        if self.sched is not None:
            self.sched.load_state_dict(state["sched"])
        self.gen.set_state(state["gen"])
        if self.aug_gen is not None:
            self.aug_gen.set_state(state["aug_gen"])
        torch.set_rng_state(state["global_rng"])
        if dev.type == "cuda" and state["cuda_rng"] is not None:
            torch.cuda.set_rng_state(state["cuda_rng"], dev)
        self.result, self.epoch = state["result"], state["epoch"]
        if "pred_counts" not in self.result:  # a checkpoint from before predictions were recorded
            self.result["pred_counts"], self.result["predictions"] = [None] * self.epoch, None
        self.seconds, self.cpu_seconds = state["seconds"], state["cpu_seconds"]


def _start(cfg: TrainConfig, ds: MnistData, dev: torch.device, dtype: torch.dtype) -> _Run:
    """A fresh run: seeded weights, optimizer, scheduler and random streams (the global one seeded by the caller)."""
    net = Network(cfg.sizes, cfg.activation, cfg.init, batch_norm=cfg.batch_norm, dropout=cfg.dropout,
                  seed=cfg.seed).to(device=dev, dtype=dtype)
    opt = make_optimizer(cfg, net.parameters())
    result = empty_result(cfg, dev)
    result["params"] = net.num_params()
    return _Run(cfg, ds, net, opt, make_scheduler(cfg, opt), shuffle_generator(cfg), augment_generator(cfg), result)


def _resume_or_start(cfg: TrainConfig, ds: MnistData, dev: torch.device, dtype: torch.dtype,
                     checkpoint: Checkpoint) -> _Run:
    """The run a matching checkpoint holds, once its state is checked for sense (:func:`hw7.mnist.resume.check_state`);
    a fresh run when there is none, or (with one line) when the state is not one this run can resume from."""
    run = _start(cfg, ds, dev, dtype)
    saved = checkpoint.load()
    if saved is None:
        return run
    try:
        check_state(saved, cfg, run.net, run.opt, run.sched)
        run.restore(saved)
    except (ValueError, RuntimeError, KeyError, TypeError, IndexError) as exc:  # Nonsense is a ValueError
        why = " ".join(str(exc).split())[:200]
        print(f"checkpoint {checkpoint.path} does not hold a state this run can resume from ({why}); "
              "starting the run afresh", file=sys.stderr)
        torch.manual_seed(stream_seed(cfg.seed, STREAM_DROPOUT))  # a partial restore may have moved the global stream
        return _start(cfg, ds, dev, dtype)
    print(f"resuming {'-'.join(map(str, cfg.sizes))} (seed {cfg.seed}) at epoch {run.epoch + 1} of "
          f"{cfg.epochs} from {checkpoint.path}", file=sys.stderr)
    return run


def _train_epoch(run: _Run, bar: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """One pass over the training set; returns summed loss, gradient norms and first/last ratios, and steps."""
    cfg, ds, dev = run.cfg, run.ds, run.ds.train_x.device
    n, B, weights = ds.train_x.shape[0], cfg.batch_size, run.weights
    run.net.train()
    perm = torch.randperm(n, generator=run.gen).to(dev)
    loss_sum = torch.zeros((), dtype=torch.float64, device=dev)
    norm_sum = torch.zeros(len(weights), dtype=torch.float64, device=dev)
    ratio_sum = torch.zeros((), dtype=torch.float64, device=dev)
    steps = 0
    for start in range(0, n, B):
        idx = perm[start:start + B]
        run.opt.zero_grad()
        x = ds.train_x[idx]
        if cfg.augment is not None:  # drawn batch by batch, as the batched engine draws them
            from hw7.mnist.augment import augment
            x = augment(x, cfg.augment, run.aug_gen)  # type: ignore[arg-type]  # drawn when augment is on
        loss = F.cross_entropy(run.net(x), ds.train_y[idx])
        loss.backward()
        norms = torch.stack([w.grad.norm() for w in weights]).double()  # type: ignore[union-attr]  # set by backward()
        norm_sum += norms
        ratio_sum += norms[0] / norms[-1]
        loss_sum += loss.detach().double()
        run.opt.step()
        steps += 1
        if bar is not None and steps % 100 == 0:
            bar.update(100)
    if bar is not None:
        bar.update(steps % 100)
    return loss_sum, norm_sum, ratio_sum, steps


def _record_epoch(run: _Run, sums: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]) -> bool:
    """Evaluate, append the epoch's metrics to the history; False once the run diverged (history marked)."""
    loss_sum, norm_sum, ratio_sum, steps = sums
    if run.sched is not None:
        run.sched.step()
    eval_loss, eval_acc, pred = evaluate(run.net, run.ds.test_x, run.ds.test_y)
    r = run.result
    r["train_loss"].append((loss_sum / steps).item())
    r["grad_ratio"].append((ratio_sum / steps).item())
    r["grad_norms"].append((norm_sum / steps).tolist())
    r["eval_loss"].append(eval_loss)
    r["eval_acc"].append(eval_acc)
    run.epoch += 1
    record_predictions(r, pred, run.cfg, run.epoch)
    if "input_norms" in r:  # a run resumed from a checkpoint written before the field existed lacks it
        r["input_norms"].append(run.net.input_norms(run.ds.test_x))
    finite = all(bool(torch.isfinite(p).all()) for p in run.net.parameters()) and bool(torch.isfinite(loss_sum))
    if not finite:
        mark_diverged(r, run.epoch, len(run.weights), run.cfg.epochs)
    return finite


def _progress_bar(cfg: TrainConfig, n: int, done_epochs: int) -> Any:
    from tqdm.auto import tqdm
    per_epoch = -(-n // cfg.batch_size)
    return tqdm(total=cfg.epochs * per_epoch, initial=done_epochs * per_epoch, unit="step",
                desc=f"reference {'-'.join(map(str, cfg.sizes))}")


def train_one(config: TrainConfig | Mapping[str, Any], data: MnistData, *, device: torch.device | str | None = None,
              dtype: torch.dtype = torch.float32, progress: bool = False,
              checkpoint: Checkpoint | None = None) -> dict[str, Any]:
    """Train one config the plain way and return the engine's result schema.

    With ``checkpoint``, the run resumes from it when it matches this config, and saves it after
    every epoch; the caller removes it once the result is stored.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    cfg = as_config(config)
    check_against_data(cfg, data)
    dev = resolve_device(device)
    ds = eval_split(data, cfg).to(dev, dtype)
    # Dropout draws from the global RNG: fork it and seed it from the config, so runs are reproducible.
    with flush_denormals(), torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(stream_seed(cfg.seed, STREAM_DROPOUT))
        run = _start(cfg, ds, dev, dtype) if checkpoint is None else _resume_or_start(cfg, ds, dev, dtype, checkpoint)
        bar = _progress_bar(cfg, ds.train_x.shape[0], run.epoch) if progress else None
        segment_start = time.perf_counter()
        first_epoch = run.epoch
        while run.epoch < cfg.epochs:
            finite = _record_epoch(run, _train_epoch(run, bar))
            spent = time.perf_counter() - segment_start
            if bar is not None:
                per_epoch = spent / (run.epoch - first_epoch)
                bar.set_postfix(epoch=f"{run.epoch}/{cfg.epochs}", s_per_epoch=f"{per_epoch:.1f}",
                                acc=f"{run.result['eval_acc'][run.epoch - 1]:.4f}")
            if not finite:
                break
            if checkpoint is not None and run.epoch < cfg.epochs:
                checkpoint.save(run.state(run.seconds + time.perf_counter() - started,
                                          run.cpu_seconds + time.process_time() - cpu_started))
    if bar is not None:
        bar.close()
    result = run.result
    result["seconds"] = run.seconds + time.perf_counter() - started
    # CPU seconds of this process: on a shared machine wall time says more about the neighbours
    result["cpu_seconds"] = run.cpu_seconds + time.process_time() - cpu_started
    result["runs_in_batch"] = 1
    return result
