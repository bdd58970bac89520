"""Per-epoch checkpoints of a reference-loop run, so a killed long run resumes instead of restarting.

A checkpoint holds everything the next epoch depends on: weights (and batch-norm statistics),
optimizer and scheduler state, every random stream (data order, distortions, the global stream
dropout draws from), the history so far and the time spent. Resuming from it gives the run an
uninterrupted one would have given (bit-identical in float64 on one machine; tested).

Checkpoints live outside the committed cache (``$HW7_CHECKPOINT_DIR``, else ``.checkpoints/`` in the
project folder of :mod:`hw7.project`, git-ignored), one file per config, written atomically (temp file + ``os.replace``),
and removed once the run's entry is saved. A checkpoint whose stored config or format differs from
the run's is ignored with a one-line message and overwritten, never resumed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hw7 import project
from hw7.mnist.config import TrainConfig
from hw7.mnist.experiments import KINDS

#: Bump when the contents or their meaning change: older checkpoints are then ignored.
FORMAT = 1


def checkpoint_dir() -> Path:
    """``$HW7_CHECKPOINT_DIR`` if set, else ``.checkpoints`` (git-ignored) in the project (:mod:`hw7.project`)."""
    return Path(os.environ.get("HW7_CHECKPOINT_DIR") or project.root() / ".checkpoints")


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

    def save(self, state: dict[str, Any]) -> None:
        """Write ``state`` atomically: a reader (or a kill) sees the old file or the new one, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                torch.save({"format": FORMAT, "config": self.config_json, **state}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None when there is none or it belongs to another config or format."""
        if not self.path.exists():
            return None
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=False)
        except Exception as exc:  # a damaged file is never resumed
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
