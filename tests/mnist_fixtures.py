"""Tiny synthetic MNIST in the real IDX format, so tests never need the real data set."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from hw7.mnist.data import MnistData, load_mnist

NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    """IDX encoding: big-endian magic, one uint32 per dimension, then the uint8 data."""
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx(path: Path, array: np.ndarray, magic: int, gz: bool = False) -> Path:
    data = idx_bytes(array, magic)
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def synthetic_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Learnable 28x28 images: class c lights a 7x7 block at its own place, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    images = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
    for i, c in enumerate(labels):
        r, col = 7 * (c // 4), 7 * (c % 4)
        images[i, r:r + 7, col:col + 7] = rng.integers(150, 256, size=(7, 7))
    return images, labels


def make_mnist(root: Path, n_train: int = 200, n_test: int = 100, gz: bool = False, seed: int = 0) -> Path:
    """Write the four IDX files under ``root/MNIST/raw``; returns ``root``."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, n, s in (("train", n_train, seed), ("test", n_test, seed + 1)):
        images, labels = synthetic_digits(n, s)
        write_idx(raw / NAMES[split][0], images, 2051, gz)
        write_idx(raw / NAMES[split][1], labels, 2049, gz)
    return root


def small_data(root: Path, **kw) -> MnistData:
    return load_mnist(make_mnist(root, **kw), check_counts=False)
