"""MNIST reader: IDX parsing (raw and .gz), validation errors, root resolution, validation split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hw7.errors import Hw7Error
from hw7.mnist import data as hw7data
from hw7.mnist.data import MnistDataError, load_mnist, split_validation
from mnist_fixtures import NAMES, make_mnist, synthetic_digits, write_idx


@pytest.mark.parametrize("gz", [False, True])
def test_parses_idx_raw_and_gz(tmp_path, gz):
    root = make_mnist(tmp_path, n_train=50, n_test=20, gz=gz)
    d = load_mnist(root, check_counts=False)
    images, labels = synthetic_digits(50, 0)
    assert d.train_x.shape == (50, 784) and d.train_x.dtype == torch.float32
    assert d.test_x.shape == (20, 784) and d.test_y.dtype == torch.int64
    # the values torchvision's ToTensor gives: uint8 / 255
    assert torch.equal(d.train_x, torch.from_numpy(images.reshape(50, -1).astype(np.float32) / np.float32(255)))
    assert torch.equal(d.train_y, torch.from_numpy(labels.astype(np.int64)))
    assert 0.0 <= d.train_x.min() and d.train_x.max() <= 1.0


def test_cached_per_root(tmp_path):
    root = make_mnist(tmp_path, n_train=30, n_test=10)
    a = load_mnist(root, check_counts=False)
    b = load_mnist(str(root) + "/", check_counts=False)
    assert a is b


def test_counts_checked_by_default(tmp_path):
    root = make_mnist(tmp_path, n_train=30, n_test=10)
    with pytest.raises(MnistDataError, match="expected 60000"):
        load_mnist(root)


def test_missing_file_message(tmp_path):
    root = make_mnist(tmp_path, n_train=30, n_test=10)
    (root / "MNIST" / "raw" / NAMES["test"][1]).unlink()
    with pytest.raises(MnistDataError) as err:
        load_mnist(root, check_counts=False)
    msg = str(err.value)
    assert isinstance(err.value, Hw7Error)
    assert "t10k-labels-idx1-ubyte" in msg and str(root.resolve()) in msg
    assert "HW7_DATA_ROOT" in msg and "torchvision" in msg and "\n" not in msg


def test_bad_magic(tmp_path):
    root = make_mnist(tmp_path, n_train=30, n_test=10)
    images, _ = synthetic_digits(30, 0)
    write_idx(root / "MNIST" / "raw" / NAMES["train"][0], images, 2049)  # label magic on an image file
    with pytest.raises(MnistDataError, match="magic number 2049, expected 2051"):
        load_mnist(root, check_counts=False)


def test_truncated_and_bad_gzip(tmp_path):
    root = make_mnist(tmp_path / "a", n_train=30, n_test=10)
    path = root / "MNIST" / "raw" / NAMES["train"][0]
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(MnistDataError, match="truncated"):
        load_mnist(root, check_counts=False)
    root = make_mnist(tmp_path / "b", n_train=30, n_test=10, gz=True)
    path = root / "MNIST" / "raw" / (NAMES["test"][0] + ".gz")
    path.write_bytes(b"not gzip at all")
    with pytest.raises(MnistDataError, match="cannot read"):
        load_mnist(root, check_counts=False)


def test_image_label_count_mismatch(tmp_path):
    root = make_mnist(tmp_path, n_train=30, n_test=10)
    write_idx(root / "MNIST" / "raw" / NAMES["train"][1], np.zeros(29, np.uint8), 2049)
    with pytest.raises(MnistDataError, match="disagree"):
        load_mnist(root, check_counts=False)


def test_root_from_env(tmp_path, monkeypatch):
    root = make_mnist(tmp_path / "envroot", n_train=30, n_test=10)
    monkeypatch.setenv("HW7_DATA_ROOT", str(root))
    assert hw7data.default_root() == root
    assert load_mnist(check_counts=False).train_x.shape == (30, 784)


def test_split_validation_fixed_and_disjoint(tmp_path):
    d = load_mnist(make_mnist(tmp_path, n_train=100, n_test=10), check_counts=False)
    s1, s2 = split_validation(d, n_val=20), split_validation(d, n_val=20)
    assert s1.train_x.shape == (80, 784) and s1.test_x.shape == (20, 784)
    assert torch.equal(s1.test_x, s2.test_x) and torch.equal(s1.train_y, s2.train_y)
    rows = {tuple(r.tolist()) for r in s1.train_x} | {tuple(r.tolist()) for r in s1.test_x}
    assert len(rows) == 100  # every training image exactly once
    assert not torch.equal(s1.test_x, d.test_x[:20])  # never the test set
    with pytest.raises(MnistDataError):
        split_validation(d, n_val=100)


def test_download_without_torchvision_explains(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name.startswith("torchvision"):
            raise ImportError("no torchvision")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MnistDataError, match="needs torchvision"):
        hw7data.download_mnist("somewhere")
