"""The homework's fully connected network, made reproducible from a seed.

``Network`` follows the homework's class (``nn.Linear`` layers in an ``nn.ModuleList``, sigmoid or
ReLU hidden units, linear output giving logits), with every random draw taken from a private
``torch.Generator`` so that a config's seed alone fixes the initial weights. The batched engine
builds its initial weights through this same class, which is what makes "batched == alone" hold.
"""

from __future__ import annotations

from typing import Sequence, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = ("sigmoid", "relu")
INITS = ("xavier_normal", "kaiming_uniform")

#: Independent random streams derived from one config seed.
STREAM_INIT, STREAM_SHUFFLE, STREAM_DROPOUT = 0, 1, 2
#: The data-expansion stream (random distortions, :mod:`hw7.mnist.augment`); separate so that switching
#: augmentation on leaves a run's initial weights, data order and dropout masks unchanged.
STREAM_AUGMENT = 3


def stream_seed(seed: int, stream: int) -> int:
    """A 63-bit seed for one purpose (init, shuffling, dropout) so the streams never overlap."""
    return int(np.random.SeedSequence([int(seed), int(stream)]).generate_state(1, np.uint64)[0] >> 1)


def make_generator(seed: int, stream: int) -> torch.Generator:
    """A CPU generator for ``stream`` of ``seed`` (CPU so that draws are the same on every device)."""
    return torch.Generator().manual_seed(stream_seed(seed, stream))


def init_weight_(weight: torch.Tensor, init: str, generator: torch.Generator) -> torch.Tensor:
    """Draw a Linear weight (shape (out, in)) as the homework does."""
    if init == "xavier_normal":
        return nn.init.xavier_normal_(weight, generator=generator)
    if init == "kaiming_uniform":
        return nn.init.kaiming_uniform_(weight, mode="fan_out", nonlinearity="relu", generator=generator)
    raise ValueError(f"unknown init {init!r} (known: {', '.join(INITS)})")


class Network(nn.Module):
    """MLP ``sizes[0] -> ... -> sizes[-1]``; hidden activation sigmoid/relu, logits out.

    Optional extras for the deep-net search: ``batch_norm`` (BatchNorm1d after each hidden Linear,
    before the activation) and ``dropout`` (after each hidden activation).
    """

    def __init__(self, sizes: Sequence[int], activation: str = "sigmoid", init: str = "xavier_normal", *,
                 batch_norm: bool = False, dropout: float = 0.0, seed: int | None = 0,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r} (known: {', '.join(ACTIVATIONS)})")
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output size, got {list(sizes)}")
        self.sizes = [int(s) for s in sizes]
        self.activation = activation
        self.init = init
        gen = generator if generator is not None else make_generator(seed or 0, STREAM_INIT)
        self.layers = nn.ModuleList()  # nn.Linear each (read them typed through `linears`)
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            layer = nn.utils.skip_init(nn.Linear, n_in, n_out)  # no draw from the global RNG
            with torch.no_grad():
                init_weight_(layer.weight, init, gen)
                nn.init.zeros_(layer.bias)
            self.layers.append(layer)
        hidden = self.sizes[1:-1]
        self.norms = nn.ModuleList([nn.BatchNorm1d(h) for h in hidden]) if batch_norm else None
        self.dropout = float(dropout)

    @property
    def linears(self) -> list[nn.Linear]:
        """The layers, typed as what they are (indexing an ``nn.ModuleList`` gives a plain ``nn.Module``)."""
        return [cast(nn.Linear, layer) for layer in self.layers]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = torch.sigmoid if self.activation == "sigmoid" else F.relu
        for i, layer in enumerate(self.layers[:-1]):
            x = layer(x)
            if self.norms is not None:
                x = self.norms[i](x)
            x = act(x)
            if self.dropout > 0:
                x = F.dropout(x, self.dropout, training=self.training)
        return self.layers[-1](x)

    @torch.no_grad()
    def input_norms(self, x: torch.Tensor) -> list[float]:
        """Mean Euclidean norm, over the rows of ``x``, of what each weight layer receives (the image first).

        A weight's gradient is (back-propagated error) x (the layer's input), so these norms are one factor
        of every layer's gradient norm. Computed in eval mode (dropout off, batch norm's running statistics).
        """
        was_training = self.training
        self.eval()
        act = torch.sigmoid if self.activation == "sigmoid" else F.relu
        norms = [x.norm(dim=1).double().mean().item()]
        for i, layer in enumerate(self.layers[:-1]):
            x = layer(x)
            if self.norms is not None:
                x = self.norms[i](x)
            x = act(x)
            norms.append(x.norm(dim=1).double().mean().item())
        self.train(was_training)
        return norms

    def num_params(self) -> int:
        """Trainable parameters (weights, biases, batch-norm affine)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


def count_params(sizes: Sequence[int], batch_norm: bool = False) -> int:
    """Parameter count of ``Network(sizes)`` without building it."""
    n = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    return n + (2 * sum(sizes[1:-1]) if batch_norm else 0)
