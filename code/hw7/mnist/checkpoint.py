"""Per-epoch checkpoints of a reference-loop run, so a killed long run resumes instead of restarting.

A checkpoint holds everything the next epoch depends on: weights (and batch-norm statistics),
optimizer and scheduler state, every random stream (data order, distortions, the global stream
dropout draws from), the history so far and the time spent. Resuming from it gives the run an
uninterrupted one would have given (bit-identical in float64 on one machine; tested).

Checkpoints live outside the committed cache (``$HW7_CHECKPOINT_DIR``, else ``.checkpoints/`` in the
project folder of :mod:`hw7.project`, git-ignored), one file per config, written atomically (temp file + ``os.replace``),
and removed once the run's entry is saved. A checkpoint whose stored config or format differs from
the run's is ignored with a one-line message and overwritten, never resumed.

Loading never unpickles code: ``torch.load(..., weights_only=True)`` accepts tensors and plain data
only (everything a checkpoint holds), so a planted ``.pt`` with a pickle payload is refused, not run;
only a regular file is opened (never a FIFO or a device). The folder is checked before any training
(:func:`check_folder`, which also removes temp files of saves killed midway), and a save that fails
(a full disk) warns once and training goes on without checkpoints.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hw7 import project, safe_io
from hw7.errors import Hw7Error
from hw7.mnist.config import TrainConfig
from hw7.mnist.experiments import KINDS

#: Bump when the contents or their meaning change: older checkpoints are then ignored.
FORMAT = 1
#: The largest checkpoint read (weights and Adam's two moments of the largest net are far below it).
MAX_BYTES = 2**30
#: The temp files :meth:`Checkpoint.save` makes (``mkstemp``: the file's name, 8 characters, ``.tmp``).
OWN_TEMP = re.compile(r"mnist-[0-9a-f]{16}\.pt[a-z0-9_]{8}\.tmp")


class CheckpointUnwritable(Hw7Error):
    """The checkpoint folder cannot take a file (read-only, a file where the folder belongs)."""


def checkpoint_dir() -> Path:
    """``$HW7_CHECKPOINT_DIR`` if set (``~`` expanded), else ``.checkpoints`` (git-ignored) in the project
    (:mod:`hw7.project`)."""
    return Path(os.environ.get("HW7_CHECKPOINT_DIR") or project.root() / ".checkpoints").expanduser()


def check_folder(folder: Path | None = None) -> Path:
    """Fail before training (one line) unless ``folder`` takes a new file, tried by writing one; then remove
    the temp files of saves killed midway (this module's names only, regular files older than a minute)."""
    folder = folder or checkpoint_dir()
    try:
        safe_io.probe_writable(folder)
    except OSError as exc:
        raise CheckpointUnwritable(
            f"cannot save checkpoints in {folder} ({exc.strerror or exc}); nothing was trained — make it a writable "
            "folder, or point HW7_CHECKPOINT_DIR at one") from None
    _remove_stale_temps(folder)
    return folder


def _remove_stale_temps(folder: Path) -> None:
    cutoff = time.time() - 60
    for name in filter(OWN_TEMP.fullmatch, os.listdir(folder)):
        try:
            st = os.lstat(folder / name)
            if stat.S_ISREG(st.st_mode) and st.st_mtime < cutoff:
                os.unlink(folder / name)
        except OSError:
            pass


_SAVE_FAILED: set[Path] = set()


def _config_json(cfg: TrainConfig) -> str:
    return json.dumps(cfg.to_dict(), sort_keys=True, separators=(",", ":"))


def _identity(cfg: TrainConfig) -> str:
    """What a checkpoint must match to be resumed: the config and the runner's code version."""
    return json.dumps({"config": cfg.to_dict(), "code_version": KINDS["mnist"].version}, sort_keys=True)


def checkpoint_path(cfg: TrainConfig, folder: Path | None = None) -> Path:
    """One file per config: the sha256 of its canonical JSON names it."""
    digest = hashlib.sha256(_config_json(cfg).encode()).hexdigest()[:16]
    return (folder or checkpoint_dir()) / f"mnist-{digest}.pt"


@dataclass
class Checkpoint:
    """Where one run's checkpoint lives, and how to write, read and drop it."""

    path: Path
    config_json: str

    @classmethod
    def for_config(cls, cfg: TrainConfig, folder: Path | None = None) -> "Checkpoint":
        return cls(checkpoint_path(cfg, folder), _identity(cfg))

    def save(self, state: dict[str, Any]) -> bool:
        """Write ``state`` atomically: a reader (or a kill) sees the old file or the new one, never half.

        A failed write (a full disk, a folder made read-only meanwhile) leaves the previous checkpoint,
        warns once per folder and returns False: the training goes on, only a kill would now cost more."""
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                torch.save({"format": FORMAT, "config": self.config_json, **state}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            return True
        except BaseException as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            if not isinstance(exc, OSError):
                raise
            if self.path.parent not in _SAVE_FAILED:
                _SAVE_FAILED.add(self.path.parent)
                print(f"hw7: warning: cannot save a checkpoint in {self.path.parent} ({exc.strerror or exc}); "
                      "training goes on without (a kill now restarts from the last checkpoint saved)", file=sys.stderr)
            return False

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None when there is none or it belongs to another config or format.

        ``weights_only=True``: tensors and plain data only, so a file with a pickle payload is refused
        before any of it runs (and reported as unreadable, like a damaged file)."""
        if not os.path.lexists(self.path):
            return None
        try:
            raw = safe_io.read_bytes(self.path, MAX_BYTES)
            state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
        except Exception as exc:  # a damaged or foreign file is never resumed
            print(f"checkpoint {self.path} is unreadable ({type(exc).__name__}); starting the run afresh",
                  file=sys.stderr)
            return None
        if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("config") != self.config_json:
            print(f"checkpoint {self.path} was written for another config, code version or format; ignored, starting afresh",
                  file=sys.stderr)
            return None
        return state

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
