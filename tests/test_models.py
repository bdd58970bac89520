"""Network: the homework's architecture, reproducible from a seed, with the optional extras."""

from __future__ import annotations

import math

import pytest
import torch

from hw7.mnist.network import Network, count_params, stream_seed


def test_shapes_and_zero_biases():
    net = Network([784, 30, 10])
    assert [tuple(l.weight.shape) for l in net.layers] == [(30, 784), (10, 30)]
    assert all(torch.count_nonzero(l.bias) == 0 for l in net.layers)
    assert net(torch.rand(5, 784)).shape == (5, 10)
    assert net.num_params() == count_params([784, 30, 10]) == 784 * 30 + 30 + 30 * 10 + 10


def test_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    a = Network([784, 30, 30, 10], seed=7)
    after = torch.rand(3)
    assert torch.equal(before, after)  # building a network draws nothing from the global RNG
    b = Network([784, 30, 30, 10], seed=7)
    c = Network([784, 30, 30, 10], seed=8)
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.layers[0].weight, c.layers[0].weight)


def test_init_scales():
    big = [784, 400, 300, 10]
    xav = Network(big, init="xavier_normal", seed=1)
    w = xav.layers[1].weight
    assert abs(w.std().item() - math.sqrt(2 / (400 + 300))) < 0.01 * math.sqrt(2 / 700) * 10
    kai = Network(big, activation="relu", init="kaiming_uniform", seed=1)
    w = kai.layers[1].weight  # (300, 400): fan_out = 300, bound = sqrt(6 / fan_out)
    bound = math.sqrt(6 / 300)
    assert w.abs().max().item() <= bound and w.abs().max().item() > 0.95 * bound


def test_activation_and_extras():
    x = torch.rand(8, 20)
    relu = Network([20, 5, 3], activation="relu", init="kaiming_uniform", seed=0)
    h = torch.relu(relu.layers[0](x))
    assert torch.allclose(relu(x), relu.layers[1](h))
    sig = Network([20, 5, 3], seed=0)
    assert torch.allclose(sig(x), sig.layers[1](torch.sigmoid(sig.layers[0](x))))
    bn = Network([20, 5, 4, 3], batch_norm=True, dropout=0.5, seed=0)
    assert bn.num_params() == count_params([20, 5, 4, 3], batch_norm=True)
    bn.eval()
    assert torch.equal(bn(x), bn(x))  # no dropout in eval mode
    with pytest.raises(ValueError, match="activation"):
        Network([20, 3], activation="tanh")
    with pytest.raises(ValueError, match="init"):
        Network([20, 3], init="orthogonal")


def test_stream_seeds_differ():
    assert len({stream_seed(0, s) for s in range(3)} | {stream_seed(1, 0)}) == 4
    assert stream_seed(5, 1) == stream_seed(5, 1) < 2 ** 63
