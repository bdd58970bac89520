"""Runners for the from-scratch NumPy network: kinds ``numpy_net`` (MNIST training) and ``numpy_gradcheck``.

``numpy_net`` configs are complete :class:`hw7.mnist.engine.TrainConfig` dicts (SGD or Adam, no dropout,
batch norm or scheduler), so a NumPy run and a torch run of Problem 2 with the same config and seed
start from the same initial weights (drawn by :class:`hw7.mnist.network.Network`) and see the same
mini-batches (the engine's seeded shuffle) — only the arithmetic differs: NumPy float64 here,
torch float32 there. torch is used for nothing but those two draws.

``numpy_gradcheck`` compares every backward pass with centred finite differences on small random
inputs, and trains the homework's network for a few hundred steps side by side with
``torch.optim.SGD`` (float64) to measure how far the two drift apart.
"""

from __future__ import annotations

import math
import time
from typing import Any, Iterator, Mapping

import numpy as np

from hw7.errors import ConfigError, check_keys
from hw7.readings import numpy_net as nn_np

# ---------------------------------------------------------------------------------------------
# kind numpy_net


def _train_config(config: Mapping[str, Any]):
    from hw7.mnist.config import TrainConfig

    cfg = TrainConfig.from_dict(config)
    if cfg.batch_norm or cfg.dropout or cfg.scheduler is not None:
        raise ConfigError("numpy_net config: batch_norm, dropout and scheduler are not supported by the NumPy trainer")
    return cfg


def initial_network(cfg) -> nn_np.Sequential:
    """The NumPy twin of ``hw7.mnist.network.Network(cfg.sizes, cfg.activation, cfg.init, seed=cfg.seed)``."""
    from hw7.mnist.network import Network

    torch_net = Network(cfg.sizes, cfg.activation, cfg.init, seed=cfg.seed)
    net = nn_np.mlp(cfg.sizes, cfg.activation)
    for layer, tl in zip(net.param_layers, torch_net.linears):
        layer.params["W"] = tl.weight.detach().double().numpy().T.copy()
        layer.params["b"] = tl.bias.detach().double().numpy().copy()
    return net


def make_optimizer(cfg, net: nn_np.Sequential) -> nn_np.Optimizer:
    if cfg.optimizer == "sgd":
        return nn_np.SGD(net.param_layers, cfg.lr, cfg.momentum, cfg.nesterov, cfg.weight_decay)
    if cfg.weight_decay:
        raise ConfigError("numpy_net config: Adam with weight decay is not implemented in the NumPy trainer")
    return nn_np.Adam(net.param_layers, cfg.lr, cfg.betas[0], cfg.betas[1], cfg.eps)


def evaluate(net: nn_np.Sequential, x: np.ndarray, y: np.ndarray, rows: int = 10_000) -> tuple[float, float]:
    net.eval()
    loss_fn = nn_np.SoftmaxCrossEntropy()
    loss, correct = 0.0, 0
    for s in range(0, len(y), rows):
        out = net.forward(x[s:s + rows])
        loss += loss_fn.forward(out, y[s:s + rows]) * len(out)
        correct += int((out.argmax(1) == y[s:s + rows]).sum())
    net.train()
    return loss / len(y), correct / len(y)


def train_numpy(config: Mapping[str, Any], data: Any, *, bar: Any = None) -> dict[str, Any]:
    """Train one config with the NumPy network on ``data`` (an :class:`hw7.mnist.data.MnistData`)."""
    import torch

    from hw7.mnist.common import eval_split, shuffle_generator

    cfg = _train_config(config)
    started = time.perf_counter()
    ds = eval_split(data, cfg)
    x_tr, y_tr = ds.train_x.double().numpy(), ds.train_y.numpy()
    x_ev, y_ev = ds.test_x.double().numpy(), ds.test_y.numpy()
    net = initial_network(cfg)
    opt = make_optimizer(cfg, net)
    loss_fn = nn_np.SoftmaxCrossEntropy()
    gen = shuffle_generator(cfg)
    n, B = len(y_tr), cfg.batch_size
    result: dict[str, Any] = {"eval_set": cfg.eval, "epochs": [], "eval_acc": [], "eval_loss": [], "train_loss": [],
                              "epoch_seconds": [], "diverged_epoch": None}
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen).numpy()
        total, steps = 0.0, 0
        for s in range(0, n, B):
            idx = perm[s:s + B]
            loss = loss_fn.forward(net.forward(x_tr[idx]), y_tr[idx])
            net.backward(loss_fn.backward())
            opt.step()
            total += loss
            steps += 1
            if bar is not None and steps % 500 == 0:
                bar.update(500)
        if bar is not None:
            bar.update(steps % 500)
        eval_loss, eval_acc = evaluate(net, x_ev, y_ev)
        result["epochs"].append(epoch)
        result["train_loss"].append(total / steps)
        result["eval_loss"].append(eval_loss)
        result["eval_acc"].append(eval_acc)
        result["epoch_seconds"].append(time.perf_counter() - t0)
        if bar is not None:
            bar.set_postfix(epoch=epoch, acc=f"{eval_acc:.4f}")
        if not math.isfinite(total):
            result["diverged_epoch"] = epoch
            break
    result["seconds"] = time.perf_counter() - started
    result["device"] = "cpu (numpy float64)"
    return result


def run(configs: list[dict[str, Any]], *, progress: bool = True, data: Any = None) -> Iterator[tuple[int, dict]]:
    """Validate every config first, load MNIST once, train each run with the NumPy network."""
    from hw7.mnist.data import load_mnist, validation_size  # imports torch: not at module level, so the
    # report's NumPy appendix (which reads only RELU_MARGIN here) starts without loading torch

    cfgs = [_train_config(c) for c in configs]
    if not cfgs:
        return
    if data is None:
        data = load_mnist()
    bar = None
    if progress:
        from tqdm.auto import tqdm
        n_all = data.train_x.shape[0]
        n_train = n_all if cfgs[0].eval == "test" else n_all - validation_size(n_all)
        bar = tqdm(total=sum(c.epochs * -(-n_train // c.batch_size) for c in cfgs), desc="numpy net", unit="step")
    try:
        for i, c in enumerate(configs):
            yield i, train_numpy(c, data, bar=bar)
    finally:
        if bar is not None:
            bar.close()


# ---------------------------------------------------------------------------------------------
# kind numpy_gradcheck

GRADCHECK_KEYS = ("seed", "h", "match_steps", "match_config")


def validate_gradcheck(config: Any) -> dict[str, Any]:
    check_keys("numpy_gradcheck", config, GRADCHECK_KEYS)
    if not isinstance(config["seed"], int) or config["seed"] < 0:
        raise ConfigError(f"numpy_gradcheck config 'seed' must be an int >= 0, got {config['seed']!r}")
    h = config["h"]
    if not isinstance(h, float) or not 0 < h < 1e-2:
        raise ConfigError(f"numpy_gradcheck config 'h' must be a float in (0, 1e-2), got {h!r}")
    if not isinstance(config["match_steps"], int) or config["match_steps"] < 1:
        raise ConfigError(f"numpy_gradcheck config 'match_steps' must be a positive int, got {config['match_steps']!r}")
    _train_config(config["match_config"])
    return dict(config)


#: ReLU gradient checks keep inputs at least this far from the kink at 0
RELU_MARGIN = 0.1


def gradient_checks(seed: int, h: float) -> dict[str, dict[str, float]]:
    """Every layer's backward pass and three small networks against centred finite differences.

    Inputs to ReLU are kept away from its kink (|x| >= RELU_MARGIN), where a finite difference straddling 0
    would be wrong rather than the analytic gradient.
    """
    rng = np.random.default_rng(seed)
    checks: dict[str, dict[str, float]] = {}
    checks["linear"] = nn_np.check_layer(nn_np.Linear(12, 7, rng=rng), rng.normal(size=(5, 3, 4)), rng, h)
    x = rng.normal(size=(10, 10))
    m = RELU_MARGIN
    x = np.where(np.abs(x) < m, m * np.sign(x) + m * (x == 0), x)
    checks["relu"] = nn_np.check_layer(nn_np.ReLU(), x, rng, h)
    checks["sigmoid"] = nn_np.check_layer(nn_np.Sigmoid(), rng.normal(scale=1.5, size=(10, 10)), rng, h)
    for p in (0.25, 0.5, 0.75):
        checks[f"dropout_p{p}"] = nn_np.check_layer(nn_np.Dropout(p, seed=seed + 1), rng.normal(size=(8, 8)) + 5.0, rng, h)
    logits = 1e-3 * rng.normal(size=(50, 5))
    labels = rng.integers(5, size=50)
    ce = nn_np.SoftmaxCrossEntropy()
    ce.forward(logits, labels)
    analytic = ce.backward()
    numeric = nn_np.numerical_gradient(lambda: ce.forward(logits, labels), logits, h)
    checks["softmax_ce"] = {"x": nn_np.rel_error(analytic, numeric)}
    nets = {
        "net_sigmoid_4-30-7": (nn_np.mlp([4, 30, 7], "sigmoid", rng=rng), 4, 7),
        "net_relu_15-20-30-10": (nn_np.mlp([15, 20, 30, 10], "relu", rng=rng), 15, 10),
        "net_relu_dropout0.5_15-20-30-10": (nn_np.mlp([15, 20, 30, 10], "relu", dropout=0.5, rng=rng,
                                                      dropout_seed=seed + 2), 15, 10),
    }
    for name, (net, n_in, n_out) in nets.items():
        checks[name] = nn_np.check_network(net, rng.normal(size=(6, n_in)), rng.integers(n_out, size=6), h)
    return checks


def torch_match(config: Mapping[str, Any], steps: int, data: Any) -> dict[str, Any]:
    """Train the NumPy net and ``hw7.mnist.network.Network`` + ``torch.optim.SGD`` (both float64) from the same
    initial weights on the same ``steps`` mini-batches; report per-step losses and the final weight gap."""
    import torch
    import torch.nn.functional as F

    from hw7.mnist.common import shuffle_generator
    from hw7.mnist.network import Network
    from hw7.mnist.reference import make_optimizer as torch_optimizer

    cfg = _train_config(config)
    net = initial_network(cfg)
    opt = make_optimizer(cfg, net)
    tnet = Network(cfg.sizes, cfg.activation, cfg.init, seed=cfg.seed).double()
    topt = torch_optimizer(cfg, tnet.parameters())
    loss_fn = nn_np.SoftmaxCrossEntropy()
    x_all, y_all = data.train_x.double(), data.train_y
    perm = torch.randperm(len(y_all), generator=shuffle_generator(cfg))
    losses_np, losses_torch = [], []
    for s in range(steps):
        idx = perm[s * cfg.batch_size:(s + 1) * cfg.batch_size]
        xb, yb = x_all[idx], y_all[idx]
        losses_np.append(loss_fn.forward(net.forward(xb.numpy()), yb.numpy()))
        net.backward(loss_fn.backward())
        opt.step()
        topt.zero_grad()
        loss = F.cross_entropy(tnet(xb), yb)
        loss.backward()
        topt.step()
        losses_torch.append(loss.item())
    gaps = []
    for layer, tl in zip(net.param_layers, tnet.linears):
        gaps.append(float(np.max(np.abs(layer.params["W"] - tl.weight.detach().numpy().T))))
        gaps.append(float(np.max(np.abs(layer.params["b"] - tl.bias.detach().numpy()))))
    return {"steps": steps, "loss_numpy": losses_np, "loss_torch": losses_torch,
            "max_loss_gap": float(np.max(np.abs(np.subtract(losses_np, losses_torch)))),
            "max_weight_gap": max(gaps)}


def run_gradcheck(configs: list[dict[str, Any]], *, progress: bool = True, data: Any = None) -> Iterator[tuple[int, dict]]:
    cfgs = [validate_gradcheck(c) for c in configs]
    if not cfgs:
        return
    if data is None:
        from hw7.mnist.data import load_mnist

        data = load_mnist()
    iterator = enumerate(cfgs)
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(iterator, total=len(cfgs), desc="numpy gradient checks", unit="check")
    for i, cfg in iterator:
        started = time.perf_counter()
        checks = gradient_checks(cfg["seed"], cfg["h"])
        result = {"checks": checks, "max_rel_error": {k: max(v.values()) for k, v in checks.items()},
                  "match": torch_match(cfg["match_config"], cfg["match_steps"], data)}
        result["seconds"] = time.perf_counter() - started
        result["device"] = "cpu"
        yield i, result
