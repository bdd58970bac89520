"""A fully connected network written from scratch in NumPy (float64): layers, loss and optimizers.

Each layer has ``forward(x)`` (which remembers what its backward pass needs) and ``backward(dout)``
(which returns the gradient with respect to its input and stores the gradients of its parameters in
``grads``, under the same names as ``params``). ``Sequential`` chains layers; ``SoftmaxCrossEntropy``
turns logits and integer labels into the mean cross-entropy and its gradient. The optimizers update
a list of layers in place:

* ``SGD``: torch.optim.SGD's rule — weight decay ``g += wd * w``; momentum buffer ``b = mu b + g``
  (``b = g`` on the first step); Nesterov ``g = g + mu b``, otherwise ``g = b``; ``w -= lr g``.
  (The exercise writes momentum as ``v = mu v - lr g; w += v``, which is the same for a constant
  rate with ``v = -lr b``.)
* ``RMSProp``: ``c = rho c + (1 - rho) g^2; w -= lr g / (sqrt(c) + eps)``.
* ``Adam``: ``t += 1; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
  w -= lr m_hat / (sqrt(v_hat) + eps)`` with bias-corrected ``m_hat, v_hat``.

Nothing here imports torch; :mod:`hw7.readings.numpy_runner` uses torch only to draw the same initial
weights and data order as the torch runs it is compared with.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np

# ---------------------------------------------------------------------------------------------
# Layers


class Layer:
    """A layer with named parameters and the gradients of its last backward pass."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class Linear(Layer):
    """``out = x W + b`` with ``W`` of shape (in, out); inputs of any shape are flattened per sample."""

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator | None = None, scale: float | None = None) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng(0)
        std = np.sqrt(2.0 / (n_in + n_out)) if scale is None else scale  # Xavier normal by default
        self.params = {"W": rng.normal(0.0, std, size=(n_in, n_out)), "b": np.zeros(n_out)}
        self._x: np.ndarray | None = None
        self._shape: tuple[int, ...] = ()

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._shape = x.shape
        self._x = x.reshape(x.shape[0], -1)
        return self._x @ self.params["W"] + self.params["b"]

    def backward(self, dout: np.ndarray) -> np.ndarray:
        assert self._x is not None, "backward() before forward()"
        self.grads = {"W": self._x.T @ dout, "b": dout.sum(axis=0)}
        return (dout @ self.params["W"].T).reshape(self._shape)


class ReLU(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self._mask = x > 0
        return np.where(self._mask, x, 0.0)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return np.where(self._mask, dout, 0.0)


class Sigmoid(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        # two branches so that neither exp overflows
        e = np.exp(-np.abs(x))
        self._out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self._out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self._out * (1.0 - self._out)


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``p`` and scale survivors by 1/(1-p);
    in evaluation (``training=False``) the identity. The mask is drawn from the layer's own generator;
    with ``seed`` every forward pass draws the same mask (what a numerical gradient check needs)."""

    def __init__(self, p: float, *, rng: np.random.Generator | None = None, seed: int | None = None) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = float(p)
        self.seed = seed
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self._scale: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0:
            self._scale = None
            return x
        rng = np.random.default_rng(self.seed) if self.seed is not None else self.rng
        self._scale = (rng.random(x.shape) >= self.p) / (1.0 - self.p)
        return x * self._scale

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout if self._scale is None else dout * self._scale


class Sequential(Layer):
    def __init__(self, layers: Iterable[Layer]) -> None:
        super().__init__()
        self.layers = list(layers)

    def train(self, mode: bool = True) -> "Sequential":
        for layer in self.layers:
            layer.training = mode
        self.training = mode
        return self

    def eval(self) -> "Sequential":
        return self.train(False)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    @property
    def param_layers(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.params]


class SoftmaxCrossEntropy:
    """Mean cross-entropy of ``softmax(logits)`` against integer labels, and its gradient w.r.t. the logits."""

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self._probs = np.exp(log_probs)
        self._labels = np.asarray(labels)
        return float(-log_probs[np.arange(len(labels)), self._labels].mean())

    def backward(self) -> np.ndarray:
        n = len(self._labels)
        d = self._probs.copy()
        d[np.arange(n), self._labels] -= 1.0
        return d / n


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def mlp(sizes: Sequence[int], activation: str = "sigmoid", *, dropout: float = 0.0,
        rng: np.random.Generator | None = None, dropout_seed: int | None = None) -> Sequential:
    """``sizes[0] -> ... -> sizes[-1]``: Linear + activation (+ dropout) per hidden layer, linear logits out."""
    rng = rng if rng is not None else np.random.default_rng(0)
    act = {"sigmoid": Sigmoid, "relu": ReLU}[activation]
    layers: list[Layer] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(a, b, rng=rng))
        if i < len(sizes) - 2:
            layers.append(act())
            if dropout > 0:
                layers.append(Dropout(dropout, rng=rng, seed=dropout_seed))
    return Sequential(layers)


# ---------------------------------------------------------------------------------------------
# Optimizers


class Optimizer:
    def __init__(self, layers: Sequence[Layer], lr: float) -> None:
        self.layers = list(layers)
        self.lr = float(lr)
        self.state: dict[tuple[int, str], dict[str, np.ndarray]] = {}

    def _pairs(self):
        for i, layer in enumerate(self.layers):
            for name, p in layer.params.items():
                yield (i, name), p, layer.grads[name]

    def step(self) -> None:
        for key, p, g in self._pairs():
            self.update(self.state.setdefault(key, {}), p, g)

    def update(self, state: dict[str, np.ndarray], p: np.ndarray, g: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError


class SGD(Optimizer):
    """Plain SGD (``momentum=0``), heavy-ball momentum, or Nesterov momentum, with L2 weight decay."""

    def __init__(self, layers: Sequence[Layer], lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(layers, lr)
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.momentum, self.nesterov, self.weight_decay = float(momentum), bool(nesterov), float(weight_decay)

    def update(self, state, p, g):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            if "buf" not in state:
                state["buf"] = g.copy()
            else:
                state["buf"] *= self.momentum
                state["buf"] += g
            g = g + self.momentum * state["buf"] if self.nesterov else state["buf"]
        p -= self.lr * g


class RMSProp(Optimizer):
    def __init__(self, layers: Sequence[Layer], lr: float = 1e-2, decay: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(layers, lr)
        self.decay, self.eps = float(decay), float(eps)

    def update(self, state, p, g):
        c = state.setdefault("cache", np.zeros_like(p))
        c *= self.decay
        c += (1.0 - self.decay) * g * g
        p -= self.lr * g / (np.sqrt(c) + self.eps)


class Adam(Optimizer):
    def __init__(self, layers: Sequence[Layer], lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, t: int = 0) -> None:
        super().__init__(layers, lr)
        self.beta1, self.beta2, self.eps, self.t = float(beta1), float(beta2), float(eps), int(t)

    def step(self) -> None:
        self.t += 1
        super().step()

    def update(self, state, p, g):
        m = state.setdefault("m", np.zeros_like(p))
        v = state.setdefault("v", np.zeros_like(p))
        m *= self.beta1
        m += (1.0 - self.beta1) * g
        v *= self.beta2
        v += (1.0 - self.beta2) * g * g
        m_hat = m / (1.0 - self.beta1**self.t)
        v_hat = v / (1.0 - self.beta2**self.t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# ---------------------------------------------------------------------------------------------
# Numerical gradients


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest elementwise ``|a - b| / max(1e-8, |a| + |b|)``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` of a scalar ``f`` that reads ``x`` in place."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_array(f: Callable[[], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred differences of ``sum(f() * dout)``: the gradient a backward pass given ``dout`` should return."""
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def check_layer(layer: Layer, x: np.ndarray, rng: np.random.Generator, h: float = 1e-5) -> dict[str, float]:
    """Relative error of ``layer``'s backward pass (input and every parameter) against centred differences."""
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    errors = {"x": rel_error(dx, numerical_gradient_array(lambda: layer.forward(x), x, dout, h))}
    for name, p in layer.params.items():
        analytic = layer.grads[name].copy()
        errors[name] = rel_error(analytic, numerical_gradient_array(lambda: layer.forward(x), p, dout, h))
    return errors


def check_network(net: Sequential, x: np.ndarray, y: np.ndarray, h: float = 1e-5) -> dict[str, float]:
    """Relative error of the loss gradient w.r.t. every parameter of ``net`` (and the input)."""
    loss_fn = SoftmaxCrossEntropy()
    loss_fn.forward(net.forward(x), y)
    dx = net.backward(loss_fn.backward())
    f = lambda: loss_fn.forward(net.forward(x), y)  # noqa: E731
    errors = {"x": rel_error(dx, numerical_gradient(f, x, h))}
    for i, layer in enumerate(net.layers):
        for name, p in layer.params.items():
            errors[f"layer{i}.{name}"] = rel_error(layer.grads[name], numerical_gradient(f, p, h))
    return errors
