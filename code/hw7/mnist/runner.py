"""Runner for kind ``mnist``: plain JSON configs in, ``(index, result)`` out as each run finishes."""

from __future__ import annotations

from typing import Any, Iterator

from hw7.mnist.checkpoint import checkpoint_dir
from hw7.mnist.config import TrainConfig
from hw7.mnist.data import load_mnist
from hw7.mnist.train import train_many


def run(configs: list[dict[str, Any]], *, progress: bool = True) -> Iterator[tuple[int, dict]]:
    """Validate every config first (a typo fails before any training), load MNIST once, train batched.

    Runs the reference loop trains are checkpointed every epoch (:func:`hw7.mnist.checkpoint.checkpoint_dir`),
    so ``hw7 run`` after a kill resumes them.
    """
    cfgs = [TrainConfig.from_dict(c) for c in configs]
    if not cfgs:
        return
    yield from train_many(cfgs, load_mnist(), progress=progress, checkpoints=checkpoint_dir())
