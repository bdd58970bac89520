"""MNIST, read straight from the four IDX files (no torchvision needed to train).

The homework loads MNIST through ``torchvision.datasets.MNIST`` + ``ToTensor``; that gives each
image as ``uint8 / 255`` flattened to 784 floats. We produce exactly those values, but parse the
files once into whole tensors so that training can gather mini-batches by index instead of
building one PIL image per sample.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hw7 import project
from hw7.errors import Hw7Error
from hw7.mnist import known_data

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049

#: (images file, labels file, expected count) per split, named as torchvision names them.
FILES: dict[str, tuple[str, str, int]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000),
}

#: Images per digit 0-9 in the MNIST test set (a property of the data, checked against the label file in
#: tests/test_claims.py): a network that answers one class for every image scores exactly count / 10,000.
MNIST_TEST_CLASS_COUNTS: tuple[int, ...] = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)

_HOW_TO_GET = (
    "set HW7_DATA_ROOT to a folder holding MNIST/raw/ (e.g. ../shared/data), or download them on a "
    "machine with internet: python -c \"from hw7.mnist.data import download_mnist; download_mnist('data')\" "
    "(uses torchvision: datasets.MNIST('data', download=True))"
)


class MnistDataError(Hw7Error):
    """An MNIST file is missing or damaged; the message says which and how to get it."""


class UnknownData(Hw7Error):
    """Valid MNIST files whose contents are not a copy the project knows (:mod:`hw7.mnist.known_data`)."""


@dataclass(frozen=True)
class MnistData:
    """Images as float in [0, 1] (pixel / 255), flattened to 784; labels as int64.

    The tensors may be shared with the in-process cache: treat them as read-only.
    """

    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> "MnistData":
        """A copy on ``device`` with images in ``dtype`` (labels stay int64)."""
        return MnistData(
            self.train_x.to(device=device, dtype=dtype or self.train_x.dtype),
            self.train_y.to(device=device),
            self.test_x.to(device=device, dtype=dtype or self.test_x.dtype),
            self.test_y.to(device=device),
        )


def default_root() -> Path:
    """Where MNIST is looked for: $HW7_DATA_ROOT, else ../shared/data beside the project (:mod:`hw7.project`),
    else the project's data/."""
    env = os.environ.get("HW7_DATA_ROOT")
    if env:
        return Path(env).expanduser()
    shared = project.root().parent / "shared" / "data"
    if shared.is_dir():
        return shared
    return project.root() / "data"


def _raw_dir(root: str | Path | None) -> Path:
    return (Path(root).expanduser() if root is not None else default_root()).resolve() / "MNIST" / "raw"


def _find(raw: Path, name: str) -> Path:
    for candidate in (raw / name, raw / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise MnistDataError(f"MNIST file {name} (or {name}.gz) not found in {raw}; {_HOW_TO_GET}")


def _read_idx(path: Path, magic: int, ndim: int) -> np.ndarray:
    """Parse one IDX file (big-endian header: magic, then one uint32 per dimension, then uint8 data)."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise MnistDataError(f"cannot read MNIST file {path} ({exc}); {_HOW_TO_GET}") from None
    header = 4 * (1 + ndim)
    if len(raw) < header:
        raise MnistDataError(f"MNIST file {path} is truncated ({len(raw)} bytes); {_HOW_TO_GET}")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise MnistDataError(f"MNIST file {path} has magic number {found}, expected {magic} (wrong or damaged file); "
                             f"{_HOW_TO_GET}")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    size = math.prod(dims)  # Python integers: np.prod wraps around at 2**63 and can match the byte count
    if len(raw) - header != size:
        raise MnistDataError(
            f"MNIST file {path} holds {len(raw) - header} data bytes, header says {dims} = {size} "
            f"(truncated or damaged); {_HOW_TO_GET}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _load_split(raw: Path, split: str, check_counts: bool, digest: Any) -> tuple[torch.Tensor, torch.Tensor]:
    images_name, labels_name, count = FILES[split]
    images_path, labels_path = _find(raw, images_name), _find(raw, labels_name)
    images = _read_idx(images_path, IMAGE_MAGIC, 3)
    labels = _read_idx(labels_path, LABEL_MAGIC, 1)
    if images.shape[1:] != (28, 28):
        raise MnistDataError(f"MNIST file {images_path} holds images of {images.shape[1:]}, expected 28x28; {_HOW_TO_GET}")
    if images.shape[0] != labels.shape[0]:
        raise MnistDataError(f"MNIST files {images_path} and {labels_path} disagree: "
                             f"{images.shape[0]} images, {labels.shape[0]} labels")
    if check_counts and images.shape[0] != count:
        raise MnistDataError(f"MNIST file {images_path} holds {images.shape[0]} images, expected {count} (truncated?); "
                             f"{_HOW_TO_GET}")
    if labels.size and labels.max() > 9:
        raise MnistDataError(f"MNIST file {labels_path} holds label {labels.max()}, expected 0..9 (damaged); {_HOW_TO_GET}")
    digest.update(images.tobytes())
    digest.update(labels.tobytes())
    x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0))
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


#: (raw folder, check_counts) -> the data fingerprint of what :func:`_load_cached` parsed there
_FINGERPRINTS: dict[tuple[Path, bool], str] = {}


@lru_cache(maxsize=4)
def _load_cached(raw: Path, check_counts: bool) -> MnistData:
    digest = hashlib.sha256()
    train_x, train_y = _load_split(raw, "train", check_counts, digest)
    test_x, test_y = _load_split(raw, "test", check_counts, digest)
    _FINGERPRINTS[(raw, check_counts)] = digest.hexdigest()  # = fingerprint(data), from the bytes at hand
    return MnistData(train_x, train_y, test_x, test_y)


def load_mnist(root: str | Path | None = None, device: torch.device | str | None = None, *,
               check_counts: bool = True, require_known: bool | None = None) -> MnistData:
    """Load MNIST from ``<root>/MNIST/raw/`` (raw or .gz IDX files); parsed once per process and root.

    Values equal torchvision's ``ToTensor()(img).view(-1)``: ``uint8 / 255`` as float32.
    ``check_counts=False`` accepts files with other image counts than 60000/10000 (small test fixtures).
    ``require_known`` (default: ``check_counts``, i.e. whenever the real data set is asked for) raises
    :class:`UnknownData` unless the data's :func:`fingerprint` is one the project lists
    (:data:`hw7.mnist.known_data.KNOWN`) or ``$HW7_ALLOW_UNKNOWN_DATA`` is set: every training runner
    loads its data here, so a run on shuffled labels or another data set stops before training.
    """
    raw = _raw_dir(root)
    data = _load_cached(raw, check_counts)
    if check_counts if require_known is None else require_known:
        _require_known(raw, _FINGERPRINTS[(raw, check_counts)])
    return data if device is None else data.to(device)


_WARNED: set[str] = set()


def _require_known(raw: Path, found: str) -> None:
    """Stop (one line) on data the project does not know, unless the user asked for it; then warn once."""
    if found in known_data.KNOWN:
        return
    if not known_data.allowed_unknown():
        raise UnknownData(
            f"the MNIST files in {raw} are valid but not a copy this project knows (data fingerprint {found[:16]}…; "
            "labels shuffled, or another data set?); nothing was trained — use the canonical files "
            f"({_HOW_TO_GET}), or set {known_data.ALLOW_ENV}=1 for a deliberate experiment on other data")
    if found not in _WARNED:
        _WARNED.add(found)
        print(f"hw7: warning: training on MNIST files the project does not know ({raw}, data fingerprint "
              f"{found[:16]}…) because {known_data.ALLOW_ENV} is set; each entry records that fingerprint",
              file=sys.stderr)


def validation_size(n_train: int) -> int:
    """How many training images the default split holds out: a sixth (10000 of MNIST's 60000)."""
    return n_train // 6


def split_validation(data: MnistData, n_val: int | None = None, seed: int = 20240507) -> MnistData:
    """Hold out ``n_val`` training images (a fixed, seeded choice) as the evaluation set.

    Hyper-parameter searches train on the rest and evaluate on the held-out part, so the test set
    stays untouched until the final comparison. The default holds out a sixth: 10000 of MNIST's 60000.
    """
    n = data.train_x.shape[0]
    n_val = validation_size(n) if n_val is None else n_val
    if not 0 < n_val < n:
        raise MnistDataError(f"cannot hold out {n_val} of {n} training images")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(data.train_x.device)
    val, train = order[:n_val], order[n_val:]
    return MnistData(data.train_x[train], data.train_y[train], data.train_x[val], data.train_y[val])


def download_mnist(root: str | Path = "data") -> Path:
    """Fetch MNIST into ``<root>/MNIST/raw/`` with torchvision (optional; needs internet)."""
    try:
        from torchvision import datasets  # type: ignore[import-not-found]
    except ImportError:
        raise MnistDataError(
            "download_mnist needs torchvision, which is not installed here; on a machine with internet run "
            "`pip install torchvision` and `python -c \"from torchvision import datasets; "
            f"datasets.MNIST('{root}', train=True, download=True); datasets.MNIST('{root}', train=False, download=True)\"`, "
            "then copy the MNIST/raw folder here or point HW7_DATA_ROOT at it") from None
    for train in (True, False):
        datasets.MNIST(str(root), train=train, download=True)
    return Path(root) / "MNIST" / "raw"


def fingerprint(data: MnistData) -> str:
    """sha256 of the decoded data a run sees: train images and labels, then test images and labels, as uint8.

    Images are stored as ``pixel / 255`` float32, so rounding ``x * 255`` recovers the pixels exactly. Two
    copies of MNIST with the same fingerprint give the same training runs whatever their file format.
    """
    digest = hashlib.sha256()
    for images, labels in ((data.train_x, data.train_y), (data.test_x, data.test_y)):
        digest.update(torch.round(images.detach().cpu().float() * 255).to(torch.uint8).numpy().tobytes())
        digest.update(labels.detach().cpu().to(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
