"""The plain training loop: one ``Network``, ``torch.optim``, autograd — the homework's ``train``.

It sees exactly the batches the batched engine sees (same seeded shuffle per epoch) and records the
same metrics, so it is the yardstick the engine is tested against. It also trains the configs the
engine cannot batch (batch-norm, dropout), switching ``model.train()`` / ``model.eval()`` properly.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import optim

from hw7.mnist.data import MnistData
from hw7.mnist.common import (augment_generator, check_against_data, empty_result, eval_split, flush_denormals,
                              mark_diverged, resolve_device, shuffle_generator)
from hw7.mnist.config import TrainConfig, as_config
from hw7.mnist.network import STREAM_DROPOUT, Network, stream_seed


def make_optimizer(cfg: TrainConfig, params: Any) -> optim.Optimizer:
    """The homework's optimizers: SGD (momentum, Nesterov, weight decay) or Adam (betas, weight decay)."""
    if cfg.optimizer == "adam":
        return optim.Adam(params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, weight_decay=cfg.weight_decay)
    return optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov, weight_decay=cfg.weight_decay)


@torch.no_grad()
def evaluate(net: Network, x: torch.Tensor, y: torch.Tensor, rows: int = 10_000) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``net`` (in eval mode) on ``(x, y)``."""
    was_training = net.training
    net.eval()
    loss = torch.zeros((), dtype=torch.float64, device=x.device)
    correct = torch.zeros((), dtype=torch.float64, device=x.device)
    for start in range(0, x.shape[0], rows):
        out = net(x[start:start + rows])
        yy = y[start:start + rows]
        loss += F.cross_entropy(out, yy, reduction="sum").double()
        correct += (out.argmax(dim=1) == yy).sum().double()
    net.train(was_training)
    return (loss / x.shape[0]).item(), (correct / x.shape[0]).item()


def train_one(config: TrainConfig | Mapping[str, Any], data: MnistData, *, device: torch.device | str | None = None,
              dtype: torch.dtype = torch.float32, progress: bool = False) -> dict[str, Any]:
    """Train one config the plain way and return the engine's result schema."""
    started, cpu_started = time.perf_counter(), time.process_time()
    cfg = as_config(config)
    check_against_data(cfg, data)
    dev = resolve_device(device)
    ds = eval_split(data, cfg).to(dev, dtype)
    result = empty_result(cfg, dev)
    n, B, E = ds.train_x.shape[0], cfg.batch_size, cfg.epochs
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=E * -(-n // B), desc=f"reference {'-'.join(map(str, cfg.sizes))}", unit="step")
    # Dropout draws from the global RNG: fork it and seed it from the config, so runs are reproducible.
    with flush_denormals(), torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(stream_seed(cfg.seed, STREAM_DROPOUT))
        net = Network(cfg.sizes, cfg.activation, cfg.init, batch_norm=cfg.batch_norm, dropout=cfg.dropout,
                      seed=cfg.seed).to(device=dev, dtype=dtype)
        result["params"] = net.num_params()
        opt = make_optimizer(cfg, net.parameters())
        sched = optim.lr_scheduler.StepLR(opt, *cfg.scheduler) if cfg.scheduler is not None else None
        gen = shuffle_generator(cfg)
        aug_gen = augment_generator(cfg)
        weights = [layer.weight for layer in net.layers]
        for epoch in range(E):
            net.train()
            perm = torch.randperm(n, generator=gen).to(dev)
            loss_sum = torch.zeros((), dtype=torch.float64, device=dev)
            norm_sum = torch.zeros(len(weights), dtype=torch.float64, device=dev)
            ratio_sum = torch.zeros((), dtype=torch.float64, device=dev)
            steps = 0
            for start in range(0, n, B):
                idx = perm[start:start + B]
                opt.zero_grad()
                x = ds.train_x[idx]
                if cfg.augment is not None:  # drawn batch by batch, as the batched engine draws them
                    from hw7.mnist.augment import augment
                    x = augment(x, cfg.augment, aug_gen)
                loss = F.cross_entropy(net(x), ds.train_y[idx])
                loss.backward()
                norms = torch.stack([w.grad.norm() for w in weights]).double()
                norm_sum += norms
                ratio_sum += norms[0] / norms[-1]
                loss_sum += loss.detach().double()
                opt.step()
                steps += 1
                if bar is not None and steps % 100 == 0:
                    bar.update(100)
            if bar is not None:
                bar.update(steps % 100)
            if sched is not None:
                sched.step()
            eval_loss, eval_acc = evaluate(net, ds.test_x, ds.test_y)
            result["train_loss"].append((loss_sum / steps).item())
            result["grad_ratio"].append((ratio_sum / steps).item())
            result["grad_norms"].append((norm_sum / steps).tolist())
            result["eval_loss"].append(eval_loss)
            result["eval_acc"].append(eval_acc)
            finite = all(bool(torch.isfinite(p).all()) for p in net.parameters()) and bool(torch.isfinite(loss_sum))
            if bar is not None:
                bar.set_postfix(epoch=epoch + 1, acc=f"{eval_acc:.4f}")
            if not finite:
                mark_diverged(result, epoch + 1, len(weights), E)
                break
    if bar is not None:
        bar.close()
    result["seconds"] = time.perf_counter() - started
    # CPU seconds of this process: on a shared machine wall time says more about the neighbours
    result["cpu_seconds"] = time.process_time() - cpu_started
    result["runs_in_batch"] = 1
    return result
