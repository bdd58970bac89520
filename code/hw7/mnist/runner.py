"""Runner for kind ``mnist``: plain JSON configs in, ``(index, result)`` out as each run finishes."""

from __future__ import annotations

from typing import Any, Iterator

from hw7.mnist.checkpoint import checkpoint_dir
from hw7.mnist.config import TrainConfig
from hw7.mnist.data import fingerprint, load_mnist
from hw7.mnist.train import train_many


def run(configs: list[dict[str, Any]], *, progress: bool = True) -> Iterator[tuple[int, dict]]:
    """Validate every config first (a typo fails before any training), load MNIST once, train batched.

    Runs the reference loop trains are checkpointed every epoch (:func:`hw7.mnist.checkpoint.checkpoint_dir`),
    so ``hw7 run`` after a kill resumes them.
    """
    cfgs = [TrainConfig.from_dict(c) for c in configs]
    if not cfgs:
        return
    data = load_mnist()
    data_fingerprint = fingerprint(data)  # recorded with every result: what the run was trained and scored on
    for i, result in train_many(cfgs, data, progress=progress, checkpoints=checkpoint_dir()):
        yield i, {**result, "data_fingerprint": data_fingerprint}
