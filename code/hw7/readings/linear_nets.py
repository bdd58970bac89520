"""Deep narrow linear networks: one neuron per layer, ``y = (w_1 w_2 ... w_D) x``, trained by gradient descent.

The set-up follows the Neuromatch tutorial on learning hyper-parameters: 100 training pairs with
``x ~ U(0, 1)`` and ``y = 2x + N(0, 0.1^2)``, loss ``mean((y - p x)^2) / 2`` with ``p`` the product of
the weights, full-batch gradient descent, every weight starting at the same value (0.9 by default).
A network "has learned" at the first epoch from which the loss stays below a threshold (1e-2) to
the end of training.

The gradient is the chain rule through the product:
``dL/dw_i = dL/dp * prod_{j != i} w_j`` with ``dL/dp = p mean(x^2) - mean(x y)``. We compute the
product of the *other* weights with prefix and suffix cumulative products, so that no division by a
weight is needed. Everything is vectorised over a grid of (depth, learning rate, initial weight):
weights live in one array ``(K, D_max)`` whose unused slots hold 1 and never move.

Config (kind ``lnn``): ``{"depths": [...], "lrs": [...], "inits": [...], "epochs", "threshold",
"data": {"n", "slope", "sigma", "seed"}, "curves": "all" | "best_lr" | "none"}``.
"""

from __future__ import annotations

import math
import time
from typing import Any, Iterator, Mapping

import numpy as np

from hw7 import divergence
from hw7.errors import ConfigError, check_keys

KEYS = ("depths", "lrs", "inits", "epochs", "threshold", "data", "curves")
DATA_KEYS = ("n", "slope", "sigma", "seed")
CURVES = ("all", "best_lr", "none")
#: the tutorial's data: 100 points, slope 2, noise sd 0.1
TUTORIAL_DATA = {"n": 100, "slope": 2.0, "sigma": 0.1, "seed": 2021}


def make_data(n: int, slope: float, sigma: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``x ~ U(0, 1)``, ``y = slope * x + N(0, sigma^2)`` (float64), from a seeded generator."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    y = slope * x + rng.normal(scale=sigma, size=n)
    return x, y


def others_product(W: np.ndarray) -> np.ndarray:
    """``out[k, i] = prod_{j != i} W[k, j]`` without dividing (prefix x suffix cumulative products)."""
    ones = np.ones((W.shape[0], 1))
    prefix = np.cumprod(np.hstack([ones, W[:, :-1]]), axis=1)
    suffix = np.cumprod(np.hstack([ones, W[:, :0:-1]]), axis=1)[:, ::-1]
    return prefix * suffix


def loss_and_grad(W: np.ndarray, mask: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loss ``mean((y - p x)^2)/2`` per network (rows of ``W``) and its gradient w.r.t. every weight."""
    p = np.prod(W, axis=1)
    resid = y[None, :] - p[:, None] * x[None, :]
    loss = 0.5 * np.mean(resid**2, axis=1)
    dL_dp = -np.mean(resid * x[None, :], axis=1)
    grad = dL_dp[:, None] * others_product(W) * mask
    return loss, grad


def train_grid(depths: list[int], lrs: list[float], inits: list[float], epochs: int,
               x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Loss before each update, shape ``(len(depths), len(lrs), len(inits), epochs)``; NaN once diverged."""
    grid = [(d, lr, w0) for d in depths for lr in lrs for w0 in inits]
    K, D = len(grid), max(depths)
    mask = np.zeros((K, D))
    W = np.ones((K, D))
    for k, (d, _, w0) in enumerate(grid):
        mask[k, :d] = 1.0
        W[k, :d] = w0
    eta = np.array([lr for _, lr, _ in grid])[:, None]
    losses = np.full((K, epochs), np.nan)
    alive = np.ones(K, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(epochs):
            loss, grad = loss_and_grad(W, mask, x, y)
            ok = ~divergence.diverged_mask(loss) & np.isfinite(grad).all(axis=1)  # the project's one rule
            alive &= ok
            losses[alive, t] = loss[alive]
            W = np.where(alive[:, None], W - eta * grad, W)
    return losses.reshape(len(depths), len(lrs), len(inits), epochs)


def learning_time(losses: np.ndarray, threshold: float) -> np.ndarray:
    """First epoch from which the loss stays below ``threshold`` to the end; -1 if never (or diverged)."""
    below = np.nan_to_num(losses, nan=np.inf) < threshold
    stays = np.flip(np.logical_and.accumulate(np.flip(below, -1), -1), -1)  # below from here on
    first = np.argmax(stays, axis=-1)
    return np.where(stays.any(axis=-1), first, -1)


def validate(config: Any) -> dict[str, Any]:
    check_keys("lnn", config, KEYS)
    for key, ok in (("depths", lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1000),
                    ("lrs", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0),
                    ("inits", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))):
        values = config[key]
        if not isinstance(values, list) or not values or not all(ok(v) for v in values):
            raise ConfigError(f"lnn config {key!r} must be a non-empty list of valid numbers, got {values!r}")
    epochs = config["epochs"]
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ConfigError(f"lnn config 'epochs' must be a positive int, got {epochs!r}")
    thr = config["threshold"]
    if not isinstance(thr, (int, float)) or isinstance(thr, bool) or not thr > 0:
        raise ConfigError(f"lnn config 'threshold' must be a positive number, got {thr!r}")
    data = config["data"]
    if not isinstance(data, Mapping) or sorted(data) != sorted(DATA_KEYS):
        raise ConfigError(f"lnn config 'data' must have exactly the keys {', '.join(DATA_KEYS)}, got {data!r}")
    if not (isinstance(data["n"], int) and data["n"] > 0 and data["sigma"] >= 0 and isinstance(data["seed"], int)):
        raise ConfigError(f"lnn config 'data' needs n > 0, sigma >= 0 and an int seed, got {dict(data)!r}")
    if config["curves"] not in CURVES:
        raise ConfigError(f"lnn config 'curves' must be one of {', '.join(CURVES)}, got {config['curves']!r}")
    return dict(config)


def _nan_list(a: np.ndarray) -> list:
    return [None if not np.isfinite(v) else float(v) for v in np.ravel(a)] if a.ndim <= 1 else [_nan_list(r) for r in a]


def compute(config: Mapping[str, Any]) -> dict[str, Any]:
    cfg = validate(config)
    started = time.perf_counter()
    x, y = make_data(**cfg["data"])
    losses = train_grid(cfg["depths"], cfg["lrs"], cfg["inits"], cfg["epochs"], x, y)
    times = learning_time(losses, cfg["threshold"])                      # (D, L, I)
    # fastest-converging learning rate per (depth, init): smallest learning time; ties -> the smaller rate
    t_rank = np.where(times < 0, np.iinfo(np.int64).max, times)
    best = np.argmin(t_rank, axis=1)                                      # (D, I)
    converged_any = np.asarray((times >= 0).any(axis=1))
    lrs = np.asarray(cfg["lrs"], dtype=float)
    result: dict[str, Any] = {
        "learning_time": times.tolist(),
        "final_loss": _nan_list(losses[..., -1]),
        "diverged": np.isnan(losses[..., -1]).tolist(),
        "best_lr": [[float(lrs[b]) if c else None for b, c in zip(brow, crow)] for brow, crow in zip(best, converged_any)],
        "best_time": [[int(times[d, b, i]) if converged_any[d, i] else -1 for i, b in enumerate(brow)]
                      for d, brow in enumerate(best)],
        "x_sq_mean": float(np.mean(x**2)), "xy_mean": float(np.mean(x * y)),
        "noise_floor": float(0.5 * np.mean((y - (np.mean(x * y) / np.mean(x**2)) * x) ** 2)),
    }
    if cfg["curves"] == "all":
        result["curves"] = _nan_list(losses)
    elif cfg["curves"] == "best_lr":
        result["curves"] = [[_nan_list(losses[d, b, i]) for i, b in enumerate(brow)] for d, brow in enumerate(best)]
    result["seconds"] = time.perf_counter() - started
    result["device"] = "cpu"
    return result


def run(configs: list[dict[str, Any]], *, progress: bool = True) -> Iterator[tuple[int, dict]]:
    """Validate every config first, then compute each grid (vectorised; seconds each)."""
    cfgs = [validate(c) for c in configs]
    iterator = enumerate(cfgs)
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(iterator, total=len(cfgs), desc="linear nets", unit="grid")
    for i, cfg in iterator:
        yield i, compute(cfg)
