"""How much faster is the batched engine than the homework's training loop, on this machine?

    python benchmarks/bench_sweep.py            # full measurement (a few minutes on 2 cores)
    python benchmarks/bench_sweep.py --quick    # fewer steps, a rough number in ~30 s

(1) The homework loop: a Dataset that builds each sample from a PIL image as torchvision's MNIST
    does (``Image.fromarray`` -> ToTensor -> ``view(-1)``), ``DataLoader(batch_size=10, shuffle=True)``,
    one 784-30-10 sigmoid Network, SGD(momentum 0.8, Nesterov, weight decay 1e-5), autograd.
(2) The engine on the Problem 2 sweep setting (784-30-10 sigmoid, batch 10, SGD) with K runs stacked.

Both are reported as model-steps per second (one model-step = one mini-batch update of one model).
The engine's figure includes its once-per-epoch work (shuffles, evaluation), amortised over the
6000 steps of an epoch, but not the one-off torch.compile time (reported separately).
Results go to benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from hw7.mnist.data import load_mnist  # noqa: E402
from hw7.mnist.config import TrainConfig  # noqa: E402
from hw7.mnist.batched import Chunk, compile_available
from hw7.mnist.common import flush_denormals
from hw7.mnist.network import Network  # noqa: E402

STEPS_PER_EPOCH = 6000
EPOCHS = 30


class PilMnist(Dataset):
    """MNIST served one PIL image at a time, as ``torchvision.datasets.MNIST`` + ToTensor does."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        self.images = images  # uint8 (N, 28, 28), like torchvision's ``.data``
        self.labels = labels

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        from PIL import Image
        img = Image.fromarray(self.images[i].numpy())  # a 2-D uint8 array is mode "L"
        # torchvision's ToTensor for a PIL image: HWC uint8 -> CHW float / 255
        t = torch.from_numpy(np.array(img, np.uint8, copy=True)).view(img.size[1], img.size[0], 1)
        t = t.permute(2, 0, 1).contiguous().to(dtype=torch.get_default_dtype()).div(255)
        return t.view(-1), int(self.labels[i])


def homework_loop(images: torch.Tensor, labels: torch.Tensor, steps: int, warmup: int = 200) -> float:
    """Seconds per step of the homework-style loop (after ``warmup`` steps)."""
    loader = DataLoader(PilMnist(images, labels), batch_size=10, shuffle=True)
    net = Network([784, 30, 10], seed=0)
    opt = torch.optim.SGD(net.parameters(), momentum=0.8, nesterov=True, lr=1e-3, weight_decay=1e-5)
    done, t0 = 0, None
    while True:
        for x, y in loader:
            if done == warmup:
                t0 = time.perf_counter()
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            # the homework's gradient-ratio diagnostic, as the engine also computes it
            ratio = net.layers[0].weight.grad.norm() / net.layers[-1].weight.grad.norm()
            opt.step()
            done += 1
            if done == warmup + steps:
                return (time.perf_counter() - t0) / steps


def engine_rate(k: int, data, steps: int, warmup: int = 50) -> dict:
    """Model-steps/s of the engine with ``k`` stacked 784-30-10 sigmoid SGD runs (as train_many runs them)."""
    with flush_denormals():
        return _engine_rate(k, data, steps, warmup)


def _engine_rate(k: int, data, steps: int, warmup: int) -> dict:
    cfgs = [TrainConfig(lr=float(lr), seed=i) for i, lr in enumerate(np.logspace(-4, 0, k))]
    cpu = torch.device("cpu")
    compiled = k >= 4 and compile_available(cpu)  # what train_many picks
    chunk = Chunk(cfgs, data, cpu, torch.float32, compiled=compiled)
    t = time.perf_counter()
    chunk.set_epoch(0, data.train_x.shape[0])
    t_set = time.perf_counter() - t
    t = time.perf_counter()
    chunk.step(0)  # compiles, in compiled mode
    t_compile = time.perf_counter() - t
    for s in range(1, warmup):
        chunk.step(s)
    t0 = time.perf_counter()
    for s in range(warmup, warmup + steps):
        chunk.step(s)
    t_step = (time.perf_counter() - t0) / steps
    t1 = time.perf_counter()
    chunk.evaluate()
    t_eval = time.perf_counter() - t1
    t_epoch = t_step * STEPS_PER_EPOCH + t_eval + t_set
    return {"K": k, "compiled": chunk.compiled, "compile_seconds": t_compile if chunk.compiled else 0.0,
            "seconds_per_step": t_step, "eval_seconds": t_eval, "shuffle_seconds": t_set,
            "steps_per_second": k / t_step, "steps_per_second_with_epoch_overhead": k * STEPS_PER_EPOCH / t_epoch,
            "run_seconds_30_epochs": t_epoch * EPOCHS / k}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="timed steps per measurement (default 3000, quick 500)")
    parser.add_argument("--quick", action="store_true", help="fewer steps")
    parser.add_argument("--ks", type=str, default="1,8,32,64", help="engine batch sizes K to measure")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    steps = args.steps or (500 if args.quick else 3000)
    data = load_mnist()
    images = (data.train_x * 255).round().to(torch.uint8).view(-1, 28, 28)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs; {steps} steps each", flush=True)
    hw = homework_loop(images, data.train_y, steps)
    hw_rate = 1.0 / hw
    print(f"homework loop: {hw_rate:9.0f} steps/s ({hw * 1e3:.3f} ms/step)", flush=True)
    engine = []
    for k in [int(v) for v in args.ks.split(",")]:
        r = engine_rate(k, data, max(steps // max(1, k // 8), 200))
        r["ratio_vs_homework"] = r["steps_per_second_with_epoch_overhead"] / hw_rate
        engine.append(r)
        print(f"engine K={k:3d}: {r['steps_per_second']:9.0f} model-steps/s "
              f"({r['steps_per_second_with_epoch_overhead']:9.0f} with per-epoch work) "
              f"= {r['ratio_vs_homework']:5.1f}x" + (f" (compiled in {r['compile_seconds']:.1f} s)" if r["compiled"] else ""),
              flush=True)
    best = max(engine, key=lambda r: r["steps_per_second_with_epoch_overhead"])
    out = {
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                    "torch_threads": torch.get_num_threads(), "python": platform.python_version()},
        "torch": torch.__version__,
        "steps": steps,
        "homework_loop": {"seconds_per_step": hw, "steps_per_second": hw_rate},
        "baseline_run_seconds": hw * EPOCHS * STEPS_PER_EPOCH,
        "engine": engine,
        "best_K": best["K"],
        "ratio": best["ratio_vs_homework"],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print()
    print(f"{'setting':<16} {'model-steps/s':>14} {'x homework':>11} {'s per 30-epoch run':>19}")
    print(f"{'homework loop':<16} {hw_rate:>14.0f} {1.0:>11.1f} {out['baseline_run_seconds']:>19.0f}")
    for r in engine:
        print(f"{'engine K=' + str(r['K']):<16} {r['steps_per_second_with_epoch_overhead']:>14.0f} "
              f"{r['ratio_vs_homework']:>11.1f} {r['run_seconds_30_epochs']:>19.1f}")
    print(f"\nbest: K={best['K']}, {best['ratio_vs_homework']:.1f}x the homework loop; wrote {args.out}")


if __name__ == "__main__":
    main()
