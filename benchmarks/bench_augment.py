"""What does expanding the data cost per epoch? Augmented against plain epochs, measured in one run.

    python benchmarks/bench_augment.py            # 10,000 training images per epoch, 3 rounds
    python benchmarks/bench_augment.py --quick    # 2,000 images, 1 round (a rough number)

For the two networks that get data expansion in the report (Problem 2(c)'s w3.b: 784-1600-10
ReLU + dropout, SGD; Problem 3(c)'s e.2: 784-1024-512-256-10 + batch norm + dropout, Adam), one
epoch of the reference loop (:func:`hw7.mnist.reference.train_one`) is timed on the first N training
images with no augmentation, affine, elastic, and both (the registry's strengths). The settings
are interleaved round by round, so a busy neighbour slows all of them alike, and CPU time of this
process (one thread) is measured as well as wall time. Reported: the median over rounds, and each
augmentation's ratio to the plain epoch of the same net. Also the cost of the distortion alone per
100 images. Results go to benchmarks/augment_results.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from hw7.mnist import augment as aug  # noqa: E402
from hw7.mnist import experiments as registry  # noqa: E402  (the MNIST runs are declared there)
from hw7.mnist.data import MnistData, load_mnist  # noqa: E402
from hw7.mnist.reference import train_one  # noqa: E402

OUT = Path(__file__).with_name("augment_results.json")
AUGMENTS = {"none": None, "affine": registry.AUGMENT_AFFINE, "elastic": registry.AUGMENT_ELASTIC,
            "affine+elastic": registry.AUGMENT_BOTH}
NETS = {"p2c-w3.b": registry.search_fields(registry.P2C_SEARCH, registry.P2C_CHOICE),
        "p3c-e.2": registry.search_fields(registry.P3C_SEARCH, registry.P3C_CHOICE)}


def timed_epoch(fields: dict, augment: dict | None, data: MnistData) -> tuple[float, float]:
    cfg = {**fields, "epochs": 1, "eval": "test", "scheduler": None}
    if augment is not None:
        cfg["augment"] = augment
    wall, cpu = time.perf_counter(), time.process_time()
    train_one(cfg, data)
    return time.perf_counter() - wall, time.process_time() - cpu


def distortion_cost(augment: dict, reps: int = 50) -> float:
    """CPU ms to draw and apply one batch of 100 distortions."""
    c = aug.AugmentConfig.from_dict(augment)
    x = torch.rand(100, 784)
    g = torch.Generator().manual_seed(0)
    start = time.process_time()
    for _ in range(reps):
        aug.augment(x, c, g)
    return 1000 * (time.process_time() - start) / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, rounds = (2_000, 1) if args.quick else (10_000, 3)
    torch.set_num_threads(1)
    full = load_mnist()
    data = MnistData(full.train_x[:n], full.train_y[:n], full.test_x[:1000], full.test_y[:1000])
    times: dict[str, dict[str, list[tuple[float, float]]]] = {net: {a: [] for a in AUGMENTS} for net in NETS}
    for fields in NETS.values():  # warm-up: first calls allocate and initialise kernels
        for augment in AUGMENTS.values():
            timed_epoch(fields, augment, MnistData(data.train_x[:500], data.train_y[:500], data.test_x, data.test_y))
    for r in range(rounds):
        for net, fields in NETS.items():
            for name, augment in AUGMENTS.items():
                times[net][name].append(timed_epoch(fields, augment, data))
                print(f"round {r + 1}/{rounds} {net} {name}: wall {times[net][name][-1][0]:.1f} s, "
                      f"cpu {times[net][name][-1][1]:.1f} s", flush=True)
    nets = {}
    for net, by_aug in times.items():
        med = {a: {"wall_s": statistics.median(t[0] for t in ts), "cpu_s": statistics.median(t[1] for t in ts)}
               for a, ts in by_aug.items()}
        for a in med:
            med[a]["cpu_ratio_vs_none"] = med[a]["cpu_s"] / med["none"]["cpu_s"]
            med[a]["wall_ratio_vs_none"] = med[a]["wall_s"] / med["none"]["wall_s"]
        nets[net] = med
    result = {"train_images_per_epoch": n, "rounds": rounds, "threads": 1, "machine": platform.processor() or platform.machine(),
              "torch": torch.__version__, "nets": nets,
              "distortion_cpu_ms_per_100_images": {a: distortion_cost(v) for a, v in AUGMENTS.items() if v}}
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
