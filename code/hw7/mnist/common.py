"""What the batched engine and the plain reference loop share: devices, seeded streams, result records.

Both loops must see the same data order and write the same result fields, so these live below
both (neither loop imports the other).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import torch

from hw7.mnist.config import TrainConfig
from hw7.mnist.data import MnistData, split_validation
from hw7.mnist.network import STREAM_AUGMENT, STREAM_SHUFFLE, count_params, make_generator
from hw7.validation import fail


@contextmanager
def flush_denormals() -> Iterator[None]:
    """Treat subnormal floats as zero while training (restored afterwards).

    Saturated sigmoids and tiny learning rates produce subnormal gradients, and x86 arithmetic on
    subnormals is tens of times slower; values below 1e-38 never change a float32 result that
    matters. The reference loop uses the same setting, so the two stay comparable.
    """
    active = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if active:
            torch.set_flush_denormal(False)


def resolve_device(device: torch.device | str | None) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def shuffle_generator(cfg: TrainConfig) -> torch.Generator:
    """The run's data-order stream: epoch e's order is the e-th ``randperm`` drawn from it."""
    return make_generator(cfg.seed, STREAM_SHUFFLE)


def augment_generator(cfg: TrainConfig) -> torch.Generator | None:
    """The run's distortion stream (None without augmentation): each batch's draws come from it in order."""
    return make_generator(cfg.seed, STREAM_AUGMENT) if cfg.augment is not None else None


def eval_split(data: MnistData, cfg: TrainConfig) -> MnistData:
    """The data a run trains and evaluates on (train/test, or the 50000/10000 validation split)."""
    return split_validation(data) if cfg.eval == "val" else data


def check_against_data(cfg: TrainConfig, data: MnistData) -> None:
    n_in = data.train_x.shape[1]
    if cfg.sizes[0] != n_in:
        fail(f"config 'sizes' starts with {cfg.sizes[0]} but the images have {n_in} pixels")
    if cfg.sizes[-1] < 10:
        fail(f"config 'sizes' ends with {cfg.sizes[-1]} but MNIST has 10 classes")


def empty_result(cfg: TrainConfig, device: torch.device) -> dict[str, Any]:
    return {"eval_set": cfg.eval, "epochs": list(range(1, cfg.epochs + 1)), "eval_acc": [], "eval_loss": [],
            "train_loss": [], "grad_ratio": [], "grad_norms": [], "pred_counts": [], "predictions": None,
            "input_norms": [],
            "diverged_epoch": None,
            "params": count_params(cfg.sizes, cfg.batch_norm), "seconds": 0.0, "device": str(device)}


def mark_diverged(result: dict[str, Any], epoch: int, n_weights: int, epochs: int) -> None:
    """Record divergence at ``epoch`` (1-based): that epoch and all later ones read NaN."""
    nan = float("nan")
    result["diverged_epoch"] = epoch
    for key in ("eval_acc", "eval_loss", "train_loss", "grad_ratio"):
        del result[key][epoch - 1:]
        result[key].extend([nan] * (epochs - epoch + 1))
    del result["grad_norms"][epoch - 1:]
    result["grad_norms"].extend([[nan] * n_weights for _ in range(epochs - epoch + 1)])
    for key in ("pred_counts", "input_norms"):
        if key in result:  # absent in results begun before the field existed
            del result[key][epoch - 1:]
            result[key].extend([None] * (epochs - epoch + 1))
    if "predictions" in result:
        result["predictions"] = None


def class_counts(pred: torch.Tensor, classes: int = 10) -> list[int]:
    """How many evaluation images a run assigned to each class (a saturated net puts them all in one)."""
    return torch.bincount(pred.reshape(-1).cpu(), minlength=classes)[:classes].tolist()


def predictions_text(pred: torch.Tensor) -> str:
    """Predicted digits as one string (10,000 characters for the test set): compact, JSON-safe, diffable."""
    return "".join(map(str, pred.reshape(-1).cpu().tolist()))


def record_predictions(result: dict[str, Any], pred: torch.Tensor, cfg: TrainConfig, epoch: int) -> None:
    """Append an epoch's class counts; after the last epoch of a test-split run, keep every predicted label."""
    result["pred_counts"].append(class_counts(pred))
    if epoch == cfg.epochs and cfg.eval == "test":
        result["predictions"] = predictions_text(pred)
