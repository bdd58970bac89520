"""One MNIST training run as plain data: :class:`TrainConfig`, validated once, JSON in and out.

The homework's ``train(net, loader, epochs, eta)`` plus every knob the report turns (optimizer,
schedule, batch norm, dropout, evaluation split). Both training loops and the registry read it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

from hw7.mnist.augment import AugmentConfig
from hw7.mnist.network import ACTIVATIONS, INITS
from hw7.validation import fail, is_int, is_real

OPTIMIZERS = ("sgd", "adam")
#: The ``scheduler`` value for cosine annealing (torch's CosineAnnealingLR, T_max = epochs, eta_min = 0).
COSINE = "cosine"
#: Runs longer than this train alone in the reference loop, which checkpoints every epoch, so a kill
#: costs at most one epoch (every batchable run of the report before this rule had at most 60 epochs).
LONG_RUN_EPOCHS = 60
EVAL_SETS = ("test", "val")


def _step_schedule(sched: Any) -> tuple[int, float]:
    """A StepLR schedule given as ``{"step_size", "gamma"}`` or ``(step_size, gamma)``, checked and normalised."""
    given = sched
    if isinstance(sched, Mapping):
        extra = set(sched) - {"step_size", "gamma"}
        if extra or "step_size" not in sched or "gamma" not in sched:
            fail(f"config 'scheduler' must be null, \"cosine\" or {{\"step_size\": int, \"gamma\": float}}, "
                 f"got {dict(sched)!r}")
        sched = (sched["step_size"], sched["gamma"])
    if (not isinstance(sched, (list, tuple)) or len(sched) != 2 or not is_int(sched[0]) or sched[0] < 1
            or not is_real(sched[1]) or sched[1] <= 0):
        fail(f"config 'scheduler' needs step_size an int >= 1 and gamma > 0, got {given!r}")
    return int(sched[0]), float(sched[1])


@dataclass(frozen=True)
class TrainConfig:
    """One MNIST training run, as the homework's ``train(net, loader, epochs, eta)`` plus its knobs.

    ``scheduler`` is ``None``, ``(step_size, gamma)`` (StepLR stepped once per epoch; in JSON
    ``{"step_size": int, "gamma": float}``) or ``"cosine"`` (CosineAnnealingLR from ``lr`` to 0 over
    ``epochs``, stepped once per epoch). ``eval="val"`` trains on 50000 training images and
    evaluates on the 10000 held out (:func:`hw7.mnist.data.split_validation`); the test set is not touched.
    """

    sizes: tuple[int, ...] = (784, 30, 10)
    activation: str = "sigmoid"
    init: str = "xavier_normal"
    optimizer: str = "sgd"
    lr: float = 1e-3
    momentum: float = 0.8
    nesterov: bool = True
    weight_decay: float = 1e-5
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    batch_size: int = 10
    epochs: int = 30
    seed: int = 0
    scheduler: tuple[int, float] | str | None = None
    eval: str = "test"
    batch_norm: bool = False
    dropout: float = 0.0
    #: Data expansion (:class:`hw7.mnist.augment.AugmentConfig`, JSON object) or None. Left out of
    #: :meth:`to_dict` when None, so configs without it keep the cache keys they always had.
    augment: Any = None

    def __post_init__(self) -> None:
        sizes = self.sizes
        if not isinstance(sizes, (list, tuple)) or len(sizes) < 2 or not all(is_int(s) and s > 0 for s in sizes):
            fail(f"config 'sizes' must be a list of at least 2 positive ints, got {sizes!r}")
        object.__setattr__(self, "sizes", tuple(sizes))
        for key, known in (("activation", ACTIVATIONS), ("init", INITS), ("optimizer", OPTIMIZERS), ("eval", EVAL_SETS)):
            if getattr(self, key) not in known:
                fail(f"config {key!r} must be one of {', '.join(known)}, got {getattr(self, key)!r}")
        if not is_real(self.lr) or self.lr <= 0:
            fail(f"config 'lr' must be a positive finite number, got {self.lr!r}")
        if not is_real(self.momentum) or not 0 <= self.momentum < 1:
            fail(f"config 'momentum' must be in [0, 1), got {self.momentum!r}")
        if not isinstance(self.nesterov, bool):
            fail(f"config 'nesterov' must be true or false, got {self.nesterov!r}")
        if self.optimizer == "sgd" and self.nesterov and self.momentum == 0:
            fail("config 'nesterov' needs 'momentum' > 0 (as torch.optim.SGD does)")
        if not is_real(self.weight_decay) or self.weight_decay < 0:
            fail(f"config 'weight_decay' must be >= 0, got {self.weight_decay!r}")
        betas = self.betas
        if (not isinstance(betas, (list, tuple)) or len(betas) != 2
                or not all(is_real(b) and 0 <= b < 1 for b in betas)):
            fail(f"config 'betas' must be two numbers in [0, 1), got {betas!r}")
        object.__setattr__(self, "betas", (float(betas[0]), float(betas[1])))
        if not is_real(self.eps) or self.eps <= 0:
            fail(f"config 'eps' must be a positive number, got {self.eps!r}")
        for key in ("batch_size", "epochs"):
            if not is_int(getattr(self, key)) or getattr(self, key) < 1:
                fail(f"config {key!r} must be a positive int, got {getattr(self, key)!r}")
        if not is_int(self.seed) or self.seed < 0:
            fail(f"config 'seed' must be an int >= 0, got {self.seed!r}")
        if self.scheduler is not None and self.scheduler != COSINE:
            object.__setattr__(self, "scheduler", _step_schedule(self.scheduler))
        if not isinstance(self.batch_norm, bool):
            fail(f"config 'batch_norm' must be true or false, got {self.batch_norm!r}")
        if not is_real(self.dropout) or not 0 <= self.dropout < 1:
            fail(f"config 'dropout' must be in [0, 1), got {self.dropout!r}")
        for key in ("lr", "momentum", "weight_decay", "eps", "dropout"):
            object.__setattr__(self, key, float(getattr(self, key)))
        if self.augment is not None:
            object.__setattr__(self, "augment", AugmentConfig.from_dict(self.augment))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TrainConfig":
        """Build from plain JSON; unknown keys and bad values raise a one-line :class:`ConfigError`."""
        if not isinstance(d, Mapping):
            fail(f"an mnist config must be a JSON object, got {type(d).__name__}")
        known = [f.name for f in fields(cls)]
        for key in d:
            if key not in known:
                fail(f"unknown config key {key!r} (known: {', '.join(known)})")
        return cls(**dict(d))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (lists, a scheduler object); ``from_dict(to_dict())`` gives the same config."""
        d = asdict(self)
        d["sizes"] = list(self.sizes)
        d["betas"] = list(self.betas)
        if isinstance(self.scheduler, tuple):
            d["scheduler"] = {"step_size": self.scheduler[0], "gamma": self.scheduler[1]}
        if self.augment is None:
            del d["augment"]  # absent, not null: the keys of every config from before augmentation stay
        else:
            d["augment"] = self.augment.to_dict()
        return d

    @property
    def batchable(self) -> bool:
        """Whether the batched engine can train it (batch-norm and dropout go through the reference loop)."""
        return not self.batch_norm and self.dropout == 0.0 and self.epochs <= LONG_RUN_EPOCHS

    @property
    def group_key(self) -> tuple:
        """Runs with equal keys share every tensor shape and step count, so they can train together."""
        return (self.sizes, self.activation, self.batch_size, self.epochs, self.eval, self.optimizer,
                self.nesterov if self.optimizer == "sgd" else None, self.augment)


def as_config(c: TrainConfig | Mapping[str, Any]) -> TrainConfig:
    return c if isinstance(c, TrainConfig) else TrainConfig.from_dict(c)


def epoch_lrs(cfg: TrainConfig) -> list[float]:
    """The learning rate of each epoch, as StepLR (x gamma every step_size epochs) or cosine annealing sets it."""
    if cfg.scheduler == COSINE:
        return [cfg.lr * (1 + math.cos(math.pi * e / cfg.epochs)) / 2 for e in range(cfg.epochs)]
    lrs, lr = [], cfg.lr
    for epoch in range(cfg.epochs):
        if isinstance(cfg.scheduler, tuple) and epoch > 0 and epoch % cfg.scheduler[0] == 0:
            lr = lr * cfg.scheduler[1]
        lrs.append(lr)
    return lrs
