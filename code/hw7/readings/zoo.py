"""Runner for kind ``zoo``: the optimizer-zoo tutorial's MNIST set-up, one seed per run.

The tutorial trains a 784-100-10 ReLU network (PyTorch's default ``nn.Linear`` initialisation) with
mini-batches of 100 for 3000 iterations (5 epochs of 600 batches), using one ``torch.optim``
optimizer per run, and reports the test-set accuracy. We train exactly that with the plain
``torch.optim`` loop, give every run its own seed for the initial weights and the data order, and
evaluate on the 10,000 test images every ``eval_every`` iterations, so that each published one-seed
number can be set against a spread over seeds.

Config: ``{"optimizer", "hyper", "seed", "iterations", "batch_size", "hidden", "eval_every"}`` where
``hyper`` holds the keyword arguments given to the ``torch.optim`` class (empty = library defaults).
"""

from __future__ import annotations

import math
import time
from typing import Any, Iterator, Mapping

from hw7.errors import ConfigError, check_keys

#: our optimizer name -> (torch.optim class name, fixed keyword arguments)
OPTIMIZERS: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {}),
    "nesterov": ("SGD", {"nesterov": True}),
    "adam": ("Adam", {}),
    "adagrad": ("Adagrad", {}),
    "adadelta": ("Adadelta", {}),
    "adamax": ("Adamax", {}),
    "rmsprop": ("RMSprop", {}),
}

#: the tutorial's settings: learning rate 0.1 (momentum 0.9) for the SGD family, defaults for the rest
TUTORIAL_HYPER: dict[str, dict[str, Any]] = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "momentum": 0.9},
    "nesterov": {"lr": 0.1, "momentum": 0.9},
    "adam": {}, "adagrad": {}, "adadelta": {}, "adamax": {}, "rmsprop": {},
}

#: the tutorial's published one-seed test accuracies after 3000 iterations
PUBLISHED_ACC: dict[str, float] = {
    "sgd": 0.9578, "momentum": 0.9769, "nesterov": 0.9758, "adam": 0.9720,
    "adagrad": 0.9551, "adadelta": 0.9745, "adamax": 0.9658, "rmsprop": 0.971,
}

#: the last accuracy each optimizer's own training log prints (iteration 3000). Most logs print whole
#: percentages (integer division in the PyTorch of the time), so a published value p agrees with its
#: log only if floor(100 p) equals the logged value; Adadelta's log prints decimals.
TUTORIAL_LOG_FINAL: dict[str, float] = {
    "sgd": 95, "momentum": 97, "nesterov": 97, "adam": 97,
    "adagrad": 95, "adadelta": 97.45, "adamax": 96, "rmsprop": 96,
}

KEYS = ("optimizer", "hyper", "seed", "iterations", "batch_size", "hidden", "eval_every")


def zoo_config(optimizer: str, seed: int, *, iterations: int = 3000, batch_size: int = 100, hidden: int = 100,
               eval_every: int = 100) -> dict[str, Any]:
    return {"optimizer": optimizer, "hyper": dict(TUTORIAL_HYPER[optimizer]), "seed": seed,
            "iterations": iterations, "batch_size": batch_size, "hidden": hidden, "eval_every": eval_every}


def _pos_int(config: Mapping[str, Any], key: str) -> int:
    v = config[key]
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ConfigError(f"zoo config {key!r} must be a positive int, got {v!r}")
    return v


def validate(config: Any) -> dict[str, Any]:
    """A one-line :class:`ConfigError` for any malformed config."""
    check_keys("zoo", config, KEYS)
    if config["optimizer"] not in OPTIMIZERS:
        raise ConfigError(f"zoo config 'optimizer' must be one of {', '.join(OPTIMIZERS)}, got {config['optimizer']!r}")
    hyper = config["hyper"]
    if not isinstance(hyper, Mapping) or not all(isinstance(v, (int, float, bool)) for v in hyper.values()):
        raise ConfigError(f"zoo config 'hyper' must be an object of numbers/booleans, got {hyper!r}")
    for key, value in hyper.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"zoo config 'hyper.{key}' must be finite, got {value!r}")
    seed = config["seed"]
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"zoo config 'seed' must be an int >= 0, got {seed!r}")
    for key in ("iterations", "batch_size", "hidden", "eval_every"):
        _pos_int(config, key)
    if config["iterations"] % config["eval_every"]:
        raise ConfigError(f"zoo config 'eval_every' ({config['eval_every']}) must divide 'iterations' ({config['iterations']})")
    return dict(config)


def make_optimizer(name: str, hyper: Mapping[str, Any], params: Any):
    from torch import optim

    cls_name, fixed = OPTIMIZERS[name]
    try:
        return getattr(optim, cls_name)(params, **{**fixed, **hyper})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"zoo config 'hyper' rejected by torch.optim.{cls_name}: {exc}") from None


def _jsonable_defaults(defaults: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in defaults.items():
        if isinstance(v, bool) or v is None or isinstance(v, (int, float, str)):
            out[k] = v
        elif isinstance(v, tuple) and all(isinstance(x, (int, float)) for x in v):
            out[k] = list(v)
    return out


def build_model(hidden: int, seed: int, n_in: int = 784, n_out: int = 10):
    """784-hidden-10 ReLU net with ``nn.Linear``'s default initialisation, drawn from the seed's own stream.

    ``nn.Linear`` draws weights and biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)); we draw the same
    distribution from a private generator so that the seed alone fixes the weights.
    """
    import torch
    from torch import nn

    from hw7.mnist.network import STREAM_INIT, make_generator

    gen = make_generator(seed, STREAM_INIT)
    first, last = nn.utils.skip_init(nn.Linear, n_in, hidden), nn.utils.skip_init(nn.Linear, hidden, n_out)
    model = nn.Sequential(first, nn.ReLU(), last)
    with torch.no_grad():
        for layer in (first, last):
            bound = 1.0 / math.sqrt(layer.in_features)
            layer.weight.uniform_(-bound, bound, generator=gen)
            layer.bias.uniform_(-bound, bound, generator=gen)
    return model


def train_zoo(config: Mapping[str, Any], data: Any, *, bar: Any = None) -> dict[str, Any]:
    """Train one zoo run on ``data`` (an :class:`hw7.mnist.data.MnistData`); evaluate on its test set."""
    import torch
    import torch.nn.functional as F

    from hw7.mnist.common import flush_denormals
    from hw7.mnist.network import STREAM_SHUFFLE, make_generator

    cfg = validate(config)
    started = time.perf_counter()
    n_in = data.train_x.shape[1]
    with flush_denormals():
        model = build_model(cfg["hidden"], cfg["seed"], n_in=n_in)
        opt = make_optimizer(cfg["optimizer"], cfg["hyper"], model.parameters())
        gen = make_generator(cfg["seed"], STREAM_SHUFFLE)
        n, B = data.train_x.shape[0], cfg["batch_size"]
        result: dict[str, Any] = {"iterations": [], "test_acc": [], "test_loss": [], "train_loss": [],
                                  "hyper_effective": _jsonable_defaults(opt.defaults), "diverged_iteration": None}
        perm, pos, loss_sum, since = torch.randperm(n, generator=gen), 0, 0.0, 0
        for it in range(1, cfg["iterations"] + 1):
            if pos + B > n:  # a new epoch: reshuffle (the tutorial's DataLoader(shuffle=True))
                perm, pos = torch.randperm(n, generator=gen), 0
            idx = perm[pos:pos + B]
            pos += B
            opt.zero_grad()
            loss = F.cross_entropy(model(data.train_x[idx]), data.train_y[idx])
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            since += 1
            if bar is not None:
                bar.update(1)
            if it % cfg["eval_every"] == 0:
                with torch.no_grad():
                    out = model(data.test_x)
                    test_loss = F.cross_entropy(out, data.test_y).item()
                    acc = (out.argmax(1) == data.test_y).double().mean().item()
                result["iterations"].append(it)
                result["test_acc"].append(acc)
                result["test_loss"].append(test_loss)
                result["train_loss"].append(loss_sum / since)
                loss_sum, since = 0.0, 0
                if not math.isfinite(test_loss) and result["diverged_iteration"] is None:
                    result["diverged_iteration"] = it
    result["final_test_acc"] = result["test_acc"][-1]
    result["seconds"] = time.perf_counter() - started
    result["device"] = "cpu"
    return result


def run(configs: list[dict[str, Any]], *, progress: bool = True, data: Any = None) -> Iterator[tuple[int, dict]]:
    """Validate every config first, load MNIST once, train the runs one after another."""
    cfgs = [validate(c) for c in configs]
    if not cfgs:
        return
    if data is None:
        from hw7.mnist.data import load_mnist
        data = load_mnist()
    import torch

    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=sum(c["iterations"] for c in cfgs), desc="optimizer zoo", unit="step")
    # A 784-100-10 net at batch 100 is far too small to gain from intra-op threads; on a shared machine
    # extra threads only spin (measured: 8x slower with 2 threads than with 1 on 2 busy cores).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for i, cfg in enumerate(cfgs):
            if bar is not None:
                bar.set_postfix(opt=cfg["optimizer"], seed=cfg["seed"])
            yield i, train_zoo(cfg, data, bar=bar)
    finally:
        torch.set_num_threads(threads)
        if bar is not None:
            bar.close()
