"""Issue 28: checkpoints are loaded safely, checked before they are resumed, and never stop a run.

A planted ``.pt`` in the checkpoint folder ran its pickle payload (``weights_only=False``); a checkpoint
folder that could not take a file gave a traceback after the first epoch; a restored state was never
checked (``epoch = 62`` and a made-up history were saved as a checksummed entry; other weight shapes gave
a traceback); a full disk during a save stopped the run; a kill during a save left ``*.pt*.tmp`` for good.
"""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import pytest
import torch

from cli_output import after_header
from hw7 import REPO_ROOT, cli
from hw7.errors import Hw7Error
from hw7.mnist import checkpoint as ckpt_module
from hw7.mnist import reference
from hw7.mnist.checkpoint import Checkpoint
from hw7.mnist.config import TrainConfig
from hw7.mnist.experiments import AUGMENT_AFFINE
from hw7.mnist.reference import train_one
from hw7.mnist.train import train_many
from hw7.store import registry
from mnist_fixtures import small_data

F64 = torch.float64
HISTORY = ("eval_acc", "eval_loss", "train_loss", "grad_ratio", "grad_norms")
#: every kind of state a checkpoint carries: batch norm, dropout's stream, distortions, Adam, cosine schedule
FULL = dict(sizes=[784, 24, 10], activation="relu", init="kaiming_uniform", optimizer="adam", lr=1e-3,
            batch_size=20, scheduler="cosine", batch_norm=True, dropout=0.2, augment=AUGMENT_AFFINE, epochs=3)
#: plain SGD with momentum and a step schedule
STEP = dict(sizes=[784, 16, 10], optimizer="sgd", momentum=0.9, lr=0.05, batch_size=20, scheduler={"step_size": 1, "gamma": 0.5},
            dropout=0.1, epochs=3)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_data(tmp_path_factory.mktemp("mnist"), n_train=100, n_test=50)


def _same(a: dict, b: dict) -> None:
    for key in HISTORY:
        assert a[key] == b[key], key


class _Stop(Exception):
    """Stands for a kill right after the first checkpoint was written."""


def _first_epoch_checkpoint(cfg: TrainConfig, data, folder: Path) -> Checkpoint:
    """The genuine checkpoint a run of ``cfg`` writes after its first epoch (the run is then stopped)."""
    ckpt = Checkpoint.for_config(cfg, folder)
    save = Checkpoint.save

    def save_then_stop(self, state):
        save(self, state)
        raise _Stop

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Checkpoint, "save", save_then_stop)
        with pytest.raises(_Stop):
            train_one(cfg, data, dtype=F64, checkpoint=ckpt)
    assert torch.load(ckpt.path, weights_only=True)["epoch"] == 1
    return ckpt


# -- H1: no pickle payload runs ----------------------------------------------------------------------------


class _Payload:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_a_planted_checkpoint_with_a_pickle_payload_does_not_run(data, tmp_path, capsys):
    cfg = TrainConfig.from_dict(FULL)
    ckpt = Checkpoint.for_config(cfg, tmp_path / "ckpt")
    ckpt.path.parent.mkdir()
    marker = tmp_path / "payload-ran"
    torch.save({"format": ckpt_module.FORMAT, "config": ckpt.config_json, "epoch": _Payload(str(marker))}, ckpt.path)
    try:
        got = train_one(cfg, data, dtype=F64, checkpoint=ckpt)
    finally:
        assert not marker.exists(), "the checkpoint's pickle payload ran"
    assert "unreadable" in capsys.readouterr().err
    _same(train_one(cfg, data, dtype=F64), got)


@pytest.mark.parametrize("config", [FULL, STEP], ids=["adam-cosine-bn-dropout-augment", "sgd-step-dropout"])
def test_genuine_checkpoints_load_with_weights_only_and_resume_exactly(data, tmp_path, config):
    cfg = TrainConfig.from_dict(config)
    ckpt = _first_epoch_checkpoint(cfg, data, tmp_path)
    assert ckpt.load() is not None
    _same(train_one(cfg, data, dtype=F64), train_one(cfg, data, dtype=F64, checkpoint=ckpt))


def test_no_load_path_unpickles():
    """Every torch.load in the package says weights_only=True; nothing imports pickle or loads NumPy pickles."""
    offenders = []
    for path in (REPO_ROOT / "code" / "hw7").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                offenders += [f"{path.name}: imports {n}" for n in names if n and n.split(".")[0] in ("pickle", "dill", "joblib")]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "load":
                kw = {k.arg: k.value for k in node.keywords}
                owner = ast.unparse(node.func.value)
                safe = isinstance(kw.get("weights_only"), ast.Constant) and kw["weights_only"].value is True
                if owner == "torch" and not safe:
                    offenders.append(f"{path.name}:{node.lineno}: torch.load without weights_only=True")
                if owner in ("np", "numpy") and isinstance(kw.get("allow_pickle"), ast.Constant) and kw["allow_pickle"].value:
                    offenders.append(f"{path.name}:{node.lineno}: np.load(allow_pickle=True)")
    assert offenders == []


# -- M3: a restored state is checked; a bad one means starting afresh, in one line ---------------------------


def _epoch_62(state):
    state["epoch"] = 62


def _made_up_history(state):
    state["epoch"] = 2
    state["result"]["eval_acc"] = [0.999, 0.999]


def _accuracy_above_one(state):
    state["result"]["eval_acc"][0] = 1.5


def _other_weight_shapes(state):
    name = next(iter(state["net"]))
    state["net"][name] = torch.zeros(3, 3, dtype=F64)


def _optimizer_state_of_other_shape(state):
    first = next(iter(state["opt"]["state"].values()))
    first["exp_avg"] = torch.zeros(5, dtype=F64)


def _schedule_elsewhere(state):
    state["sched"]["last_epoch"] = 7


def _infinite_weights(state):
    name = next(n for n, t in state["net"].items() if t.is_floating_point())
    state["net"][name] = torch.full_like(state["net"][name], float("inf"))


@pytest.mark.parametrize("damage", [_epoch_62, _made_up_history, _accuracy_above_one, _other_weight_shapes,
                                    _optimizer_state_of_other_shape, _schedule_elsewhere, _infinite_weights],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_checkpoint_whose_state_makes_no_sense_starts_the_run_afresh(data, tmp_path, capsys, damage):
    cfg = TrainConfig.from_dict(FULL)
    ckpt = _first_epoch_checkpoint(cfg, data, tmp_path)
    state = torch.load(ckpt.path, weights_only=True)
    damage(state)
    torch.save(state, ckpt.path)
    capsys.readouterr()
    got = train_one(cfg, data, dtype=F64, checkpoint=ckpt)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "starting the run afresh" in err[0], err
    _same(train_one(cfg, data, dtype=F64), got)
    assert len(got["eval_acc"]) == cfg.epochs


# -- M1: the checkpoint folder is checked before any training; a failed save warns once and goes on ---------


def test_a_checkpoint_folder_that_is_a_file_fails_before_training(data, tmp_path, monkeypatch):
    def must_not_train(*args, **kwargs):
        raise AssertionError("trained although checkpoints could not be saved")

    monkeypatch.setattr(reference, "train_one", must_not_train)
    monkeypatch.setattr("hw7.mnist.engine.train_batched", must_not_train)
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for folder in (blocker, blocker / "below"):
        with pytest.raises(Hw7Error, match="nothing was trained"):
            list(train_many([TrainConfig.from_dict(FULL)], data, progress=False, checkpoints=folder))


def test_hw7_run_checks_the_checkpoint_folder_before_computing(scratch_cache, tmp_path, monkeypatch, capsys):
    long_run = registry._experiment("long", "mnist", "one long run", [TrainConfig.from_dict(FULL).to_dict()])
    monkeypatch.setattr(registry, "experiments", lambda: {"long": long_run})
    monkeypatch.setattr(registry, "runner", lambda kind: pytest.fail("computed although checkpoints cannot be saved"))
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("HW7_CHECKPOINT_DIR", str(tmp_path / "afile"))
    assert cli.main(["run", "long", "--no-progress"]) == 2
    err = after_header(capsys.readouterr().err)
    assert len(err.splitlines()) == 1 and "cannot save checkpoints" in err and "HW7_CHECKPOINT_DIR" in err


def test_a_failed_checkpoint_save_warns_once_and_training_goes_on(data, tmp_path, monkeypatch, capsys):
    cfg = TrainConfig.from_dict({**FULL, "epochs": 4})

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ckpt_module.torch, "save", full_disk)
    got = train_one(cfg, data, dtype=F64, checkpoint=Checkpoint.for_config(cfg, tmp_path))
    warnings = [line for line in capsys.readouterr().err.splitlines() if "cannot save a checkpoint" in line]
    assert len(warnings) == 1 and "No space left" in warnings[0]
    assert not list(tmp_path.iterdir())  # no temp file left behind
    monkeypatch.undo()
    _same(train_one(cfg, data, dtype=F64), got)


# -- L6: temp files of a save killed midway do not stay for good ---------------------------------------------


def test_stale_temp_files_of_killed_saves_are_removed(data, tmp_path):
    cfg = TrainConfig.from_dict(FULL)
    hour_ago = time.time() - 3600
    stale = tmp_path / "mnist-0123456789abcdef.ptk2_x9abz.tmp"  # as mkstemp names them
    young = tmp_path / "mnist-0123456789abcdef.ptq8_y7cdw.tmp"  # another process may be writing it now
    foreign = tmp_path / "notes.pt.tmp"
    for path in (stale, young, foreign):
        path.write_bytes(b"half a checkpoint")
    os.utime(stale, (hour_ago, hour_ago))
    os.utime(foreign, (hour_ago, hour_ago))
    for _ in train_many([cfg], data, progress=False, dtype=F64, checkpoints=tmp_path):
        pass
    assert not stale.exists() and young.exists() and foreign.exists()
