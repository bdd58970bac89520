"""Long runs survive a kill: per-epoch checkpoints, resumed to the uninterrupted result; cosine schedule."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from hw7.mnist import runner as mnist_runner
from hw7.mnist.checkpoint import Checkpoint, checkpoint_path
from hw7.mnist.config import LONG_RUN_EPOCHS, TrainConfig, epoch_lrs
from hw7.mnist.experiments import AUGMENT_AFFINE
from hw7.mnist.reference import train_one
from hw7.mnist.train import train_many
from mnist_fixtures import make_mnist, small_data

F64 = torch.float64
HISTORY = ("eval_acc", "eval_loss", "train_loss", "grad_ratio", "grad_norms")
TESTS = Path(__file__).resolve().parent

#: Exercises every state a checkpoint must carry: batch-norm statistics, dropout's global stream,
#: the distortion stream, Adam's moments and the cosine scheduler.
FULL = dict(sizes=[784, 48, 24, 10], activation="relu", init="kaiming_uniform", optimizer="adam", lr=1e-3,
            batch_size=10, scheduler="cosine", batch_norm=True, dropout=0.2, augment=AUGMENT_AFFINE)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_data(tmp_path_factory.mktemp("mnist"), n_train=200, n_test=100)


def assert_identical(a: dict, b: dict) -> None:
    for key in HISTORY:
        assert a[key] == b[key], key
    assert a["diverged_epoch"] == b["diverged_epoch"]


def test_resume_from_a_checkpoint_is_bit_identical_in_float64(data, tmp_path):
    cfg = TrainConfig.from_dict({**FULL, "epochs": 4})
    whole = train_one(cfg, data, dtype=F64)
    ckpt = Checkpoint.for_config(cfg, tmp_path)
    first = train_one(cfg, data, dtype=F64, checkpoint=ckpt)  # leaves the checkpoint after epoch 3
    assert torch.load(ckpt.path, weights_only=False)["epoch"] == 3
    resumed = train_one(cfg, data, dtype=F64, checkpoint=ckpt)  # trains epoch 4 only
    assert_identical(whole, first)
    assert_identical(whole, resumed)


def test_a_checkpoint_for_another_config_is_ignored_with_one_line(data, tmp_path, capsys):
    cfg = TrainConfig.from_dict({**FULL, "epochs": 3})
    other = TrainConfig.from_dict({**FULL, "epochs": 3, "seed": 1})
    train_one(other, data, dtype=F64, checkpoint=Checkpoint.for_config(other, tmp_path))
    # a stale file at this config's path (as if written by other code): never resumed
    checkpoint_path(other, tmp_path).replace(checkpoint_path(cfg, tmp_path))
    capsys.readouterr()
    got = train_one(cfg, data, dtype=F64, checkpoint=Checkpoint.for_config(cfg, tmp_path))
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another config" in err[0], err
    assert_identical(train_one(cfg, data, dtype=F64), got)


def test_a_damaged_checkpoint_is_not_resumed(data, tmp_path, capsys):
    cfg = TrainConfig.from_dict({**FULL, "epochs": 2})
    ckpt = Checkpoint.for_config(cfg, tmp_path)
    ckpt.path.parent.mkdir(parents=True, exist_ok=True)
    ckpt.path.write_bytes(b"not a checkpoint")
    got = train_one(cfg, data, dtype=F64, checkpoint=ckpt)
    assert "unreadable" in capsys.readouterr().err
    assert_identical(train_one(cfg, data, dtype=F64), got)


_CHILD = textwrap.dedent("""
    import sys, torch
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from hw7.mnist.config import TrainConfig
    from hw7.mnist.data import load_mnist
    from hw7.mnist.train import train_many
    cfg = TrainConfig.from_dict({cfg!r})
    data = load_mnist(Path({root!r}), check_counts=False)
    for _ in train_many([cfg], data, progress=False, dtype=torch.{dtype}, checkpoints=Path({ckdir!r})):
        pass
""")


def _kill_mid_run(cfg: TrainConfig, root: Path, ckdir: Path, dtype: str, after_epoch: int) -> int:
    """Start training in a child process, SIGKILL it once a checkpoint of ``after_epoch`` exists."""
    code = _CHILD.format(tests=str(TESTS), cfg=cfg.to_dict(), root=str(root), ckdir=str(ckdir), dtype=dtype)
    # the same thread count as this process: summation order, hence float64 rounding, depends on it
    threads = str(torch.get_num_threads())
    child = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "OMP_NUM_THREADS": threads})
    path = checkpoint_path(cfg, ckdir)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            assert child.poll() is None, "the child finished before it could be killed; make its run longer"
            if path.exists():
                epoch = torch.load(path, weights_only=False)["epoch"]
                if epoch >= after_epoch:
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    return epoch
            time.sleep(0.01)
        raise AssertionError("no checkpoint appeared within 120 s")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch, dtype):
    root = make_mnist(tmp_path / "data", n_train=1500, n_test=100)
    data = small_data(tmp_path / "data2", n_train=1500, n_test=100)
    cfg = TrainConfig.from_dict({**FULL, "epochs": 8})
    ckdir = tmp_path / "checkpoints"
    killed_at = _kill_mid_run(cfg, root, ckdir, dtype, after_epoch=2)
    assert 2 <= killed_at < cfg.epochs
    tdtype = getattr(torch, dtype)
    whole = train_one(cfg, data, dtype=tdtype)
    # resumed the way `hw7 run` resumes: the mnist runner with its checkpoint folder
    if dtype == "float64":
        resumed = dict(train_many([cfg], data, progress=False, dtype=F64, checkpoints=ckdir))[0]
        assert_identical(whole, resumed)
    else:
        monkeypatch.setenv("HW7_CHECKPOINT_DIR", str(ckdir))
        monkeypatch.setattr(mnist_runner, "load_mnist", lambda: data)
        resumed = dict(mnist_runner.run([cfg.to_dict()], progress=False))[0]
        # float32: the same process and batches, so equal up to rounding (steps x 4 ulp, as tests/test_engine.py)
        steps = cfg.epochs * 150
        for key in ("eval_loss", "train_loss"):
            assert resumed[key] == pytest.approx(whole[key], rel=4 * 2 ** -24 * steps), key
    assert resumed["epochs"] == whole["epochs"]
    assert not checkpoint_path(cfg, ckdir).exists(), "the checkpoint is removed once the result is taken"


def test_cosine_epoch_rates_match_torch():
    cfg = TrainConfig.from_dict({"epochs": 7, "lr": 0.1, "scheduler": "cosine"})
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)
    torch_lrs = []
    for _ in range(cfg.epochs):
        torch_lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert epoch_lrs(cfg) == pytest.approx(torch_lrs, rel=1e-12, abs=1e-15)
    assert epoch_lrs(cfg)[0] == 0.1 and math.isclose(epoch_lrs(cfg)[-1], 0.1 * (1 + math.cos(math.pi * 6 / 7)) / 2)


def test_cosine_batched_engine_matches_the_reference_loop(data):
    cfg = TrainConfig.from_dict({"sizes": [784, 20, 10], "epochs": 3, "batch_size": 20, "lr": 0.05,
                                 "scheduler": "cosine"})
    assert cfg.batchable
    got = dict(train_many([cfg], data, progress=False, dtype=F64, compile=False))[0]
    want = train_one(cfg, data, dtype=F64)
    for key in ("eval_loss", "train_loss"):
        assert got[key] == pytest.approx(want[key], rel=1e-9), key


def test_long_runs_go_to_the_checkpointed_loop_and_keys_keep_their_form():
    short = TrainConfig.from_dict({"epochs": LONG_RUN_EPOCHS})
    long = TrainConfig.from_dict({"epochs": LONG_RUN_EPOCHS + 1})
    assert short.batchable and not long.batchable
    assert TrainConfig.from_dict({"scheduler": "cosine"}).to_dict()["scheduler"] == "cosine"
    assert TrainConfig.from_dict({"scheduler": {"step_size": 2, "gamma": 0.5}}).to_dict()["scheduler"] == {
        "step_size": 2, "gamma": 0.5}
    from hw7.errors import ConfigError
    with pytest.raises(ConfigError, match="cosine"):
        TrainConfig.from_dict({"scheduler": {"kind": "linear"}})
