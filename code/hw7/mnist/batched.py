"""The batched step: K runs of one shape advanced by one set of tensor operations.

Why: the homework's loop (one tiny 784-30-10 model, batches of 10) spends nearly all its time in
Python overhead. A learning-rate sweep trains many such models with the same shapes, so we stack
them: weights ``(K, in, out)``, batched matmuls, a hand-derived backward pass, and optimizer updates
written for all K runs at once, each run with its own hyper-parameters and data order.
:mod:`hw7.mnist.engine` drives a :class:`Chunk` through the epochs.
"""

from __future__ import annotations

import shutil
import warnings
from typing import Any, Iterable

import torch
import torch.nn.functional as F

from hw7.mnist.augment import augment_runs
from hw7.mnist.common import augment_generator, shuffle_generator
from hw7.mnist.config import TrainConfig, epoch_lrs
from hw7.mnist.data import MnistData
from hw7.mnist.network import Network


class Chunk:
    """K runs of one group: per-layer weights ``(K, in, out)``, biases ``(K, 1, out)``, optimizer state.

    The optimizer update has two implementations with the same formulas as ``torch.optim``:
    ``fused`` (default on CPU) calls torch's own fused SGD/Adam kernel once per run, on that run's
    slices, so each run keeps its own scalar hyper-parameters and the update is a single pass over
    memory; otherwise the update is written with broadcast ``(K, 1, 1)`` coefficient tensors (few,
    large kernels: what a GPU wants). ``compiled`` runs each full step through ``torch.compile``
    (:func:`_step_math`), which fuses the elementwise work: the fastest path on CPU.
    """

    def __init__(self, cfgs: list[TrainConfig], ds: MnistData, device: torch.device, dtype: torch.dtype,
                 fused: bool | None = None, compiled: bool = False) -> None:
        c0 = cfgs[0]
        self.cfgs = cfgs
        self.ds = ds
        self.device, self.dtype = device, dtype
        self.compiled = compiled
        self.fused = (device.type == "cpu" if fused is None else fused) and not compiled
        self.sizes = list(c0.sizes)
        self.relu = c0.activation == "relu"
        self.adam = c0.optimizer == "adam"
        self.nesterov = c0.nesterov
        self.B = c0.batch_size
        self.n_layers = len(self.sizes) - 1
        nets = [Network(c.sizes, c.activation, c.init, seed=c.seed) for c in cfgs]
        # nn.Linear keeps weight as (out, in); we keep (in, out) so the forward is x @ W (a batched matmul)
        self.W = [torch.stack([n.linears[l].weight.detach().t() for n in nets]).to(device, dtype).contiguous()
                  for l in range(self.n_layers)]
        self.b = [torch.stack([n.linears[l].bias.detach().view(1, -1) for n in nets]).to(device, dtype).contiguous()
                  for l in range(self.n_layers)]
        self.state = [[torch.zeros_like(p) for p in self.params] for _ in range(2 if self.adam else 1)]
        self.gens = [shuffle_generator(c) for c in cfgs]
        self.augment = c0.augment  # one augmentation per chunk (it is part of the group key)
        self.aug_gens = [augment_generator(c) for c in cfgs]
        self.lrs = [epoch_lrs(c) for c in cfgs]
        self.step_count = 0
        # Adam's step counter, shared by every run (they all step together), as torch keeps it: a float tensor
        self.adam_step = torch.zeros((), dtype=torch.float64 if dtype == torch.float64 else torch.float32, device=device)
        self._build()

    @property
    def params(self) -> list[torch.Tensor]:
        return self.W + self.b

    @property
    def grads(self) -> list[torch.Tensor]:
        return self.gW + self.gb

    def _col(self, values: Iterable[float]) -> torch.Tensor:
        return torch.tensor(list(values), dtype=torch.float64).to(device=self.device, dtype=self.dtype).view(-1, 1, 1)

    def _build(self) -> None:
        """(Re)create everything whose size depends on K: scratch buffers, coefficient tensors, per-run slices."""
        K = self.W[0].shape[0]
        self.K = K
        self.gW = [torch.empty_like(w) for w in self.W]
        self.gb = [torch.empty_like(b) for b in self.b]
        c = self.cfgs
        if self.fused:
            params, grads = self.params, self.grads
            self.run_params = [[p[k] for p in params] for k in range(K)]
            self.run_grads = [[g[k] for g in grads] for k in range(K)]
            self.run_state = [[[s[k] for s in st] for k in range(K)] for st in self.state]
            self.run_step = [self.adam_step] * len(params)
        if not self.fused:
            self.wd = self._col(x.weight_decay for x in c)
            if self.adam:
                self.one_minus_b1 = self._col(1 - x.betas[0] for x in c)
                self.one_minus_b2 = self._col(1 - x.betas[1] for x in c)
                self.beta2 = self._col(x.betas[1] for x in c)
                self.eps = self._col(x.eps for x in c)
            else:
                self.mom = self._col(x.momentum for x in c)
        B, dt, dev = self.B, self.dtype, self.device
        self.xbuf = torch.empty(K * B, self.sizes[0], dtype=dt, device=dev)
        self.z = [torch.empty(K, B, n, dtype=dt, device=dev) for n in self.sizes[1:]]
        self.h = [torch.empty(K, B, n, dtype=dt, device=dev) for n in self.sizes[1:-1]]
        self.minus_one = torch.full((K, B, 1), -1.0, dtype=dt, device=dev)
        self.loss_acc = torch.zeros(K, dtype=torch.float64, device=dev)
        self.norm_acc = torch.zeros(K, self.n_layers, dtype=torch.float64, device=dev)
        self.ratio_acc = torch.zeros(K, dtype=torch.float64, device=dev)

    def keep(self, rows: list[int]) -> None:
        """Drop the other runs (diverged ones) so their NaNs and their cost leave the batch."""
        idx = torch.tensor(rows, device=self.device)
        self.W = [w.index_select(0, idx) for w in self.W]
        self.b = [b.index_select(0, idx) for b in self.b]
        self.state = [[s.index_select(0, idx) for s in st] for st in self.state]
        self.cfgs = [self.cfgs[i] for i in rows]
        self.gens = [self.gens[i] for i in rows]
        self.aug_gens = [self.aug_gens[i] for i in rows]
        self.lrs = [self.lrs[i] for i in rows]
        self._build()

    def freeze(self, rows: list[int]) -> None:
        """Park diverged runs without changing K (compiled mode: K is part of the compiled shapes).

        Their parameters and optimizer state become zero and their learning rate zero, so they stay
        finite, never move, and cannot disturb the other runs; their numbers are ignored from now on.
        """
        idx = torch.tensor(rows, device=self.device)
        for t in self.params + [s for st in self.state for s in st]:
            t.index_fill_(0, idx, 0.0)
        for i in rows:
            self.lrs[i] = [0.0] * len(self.lrs[i])
            self.lr_now[i] = 0.0

    def finite(self) -> torch.Tensor:
        """(K,) bool: every parameter of the run is finite."""
        ok = torch.ones(self.K, dtype=torch.bool, device=self.device)
        for p in self.params:
            ok &= torch.isfinite(p).flatten(1).all(dim=1)
        return ok

    # -- one epoch --
    def set_epoch(self, epoch: int, n: int) -> None:
        """Per-epoch learning rates and every run's shuffled order, laid out step-major."""
        self.lr_now = [l[epoch] for l in self.lrs]
        if not self.fused:
            self.neg_lr = -self._col(self.lr_now)
        perm = torch.stack([torch.randperm(n, generator=g) for g in self.gens]).to(self.device)  # (K, n)
        B, S = self.B, n // self.B
        self.order = perm[:, :S * B].reshape(self.K, S, B).transpose(0, 1).contiguous()  # (S, K, B)
        self.tail = perm[:, S * B:].contiguous() if n % B else None  # (K, r) last, smaller batch
        self.labels = self.ds.train_y[self.order]  # (S, K, B)
        self.tail_labels = self.ds.train_y[self.tail] if self.tail is not None else None
        self.n_steps = S + (1 if self.tail is not None else 0)
        if self.adam and not self.fused:
            # Adam's bias corrections depend on the global step; computed in float64 like torch's Python floats.
            t = torch.arange(self.step_count + 1, self.step_count + self.n_steps + 1, dtype=torch.float64)
            b1 = torch.tensor([c.betas[0] for c in self.cfgs], dtype=torch.float64)
            b2 = torch.tensor([c.betas[1] for c in self.cfgs], dtype=torch.float64)
            lr64 = torch.tensor(self.lr_now, dtype=torch.float64)
            bc1 = 1 - b1[None, :] ** t[:, None]
            bc2 = 1 - b2[None, :] ** t[:, None]
            self.neg_step = (-(lr64[None, :] / bc1)).to(self.device, self.dtype).view(self.n_steps, self.K, 1, 1)
            self.bc2_sqrt = (bc2 ** 0.5).to(self.device, self.dtype).view(self.n_steps, self.K, 1, 1)
        self.loss_acc.zero_()
        self.norm_acc.zero_()
        self.ratio_acc.zero_()

    def step(self, s: int) -> None:
        """One mini-batch update of every run: gradients, then the optimizer."""
        if self.compiled and s < self.order.shape[0]:
            if self._compiled_step(s):
                self.step_count += 1
                return
        self.gradients(s)
        if self.fused:
            self._update_fused()
        else:
            self._update_batched(s)
        self.step_count += 1

    def gradients(self, s: int) -> None:
        """Forward and hand-derived backward for step ``s``: fills ``gW``/``gb`` with dLoss/dparams."""
        if s < self.order.shape[0]:
            idx, y, B = self.order[s], self.labels[s], self.B
            x = torch.index_select(self.ds.train_x, 0, idx.view(-1), out=self.xbuf).view(self.K, B, -1)
            z, h, minus_one = self.z, self.h, self.minus_one
        else:  # the last, smaller batch when batch_size does not divide n
            assert self.tail is not None and self.tail_labels is not None  # there is a last batch: s == n_steps - 1
            idx, y = self.tail, self.tail_labels
            B = idx.shape[1]
            x = self.ds.train_x[idx.reshape(-1)].view(self.K, B, -1)
            z = [torch.empty(self.K, B, n, dtype=self.dtype, device=self.device) for n in self.sizes[1:]]
            h = [torch.empty(self.K, B, n, dtype=self.dtype, device=self.device) for n in self.sizes[1:-1]]
            minus_one = self.minus_one[:, :B]
        if self.augment is not None:  # a fresh distortion of every image, from each run's own stream
            x = augment_runs(x, self.augment, self.aug_gens)  # type: ignore[arg-type]  # every run has a stream then
        L = self.n_layers
        W, b, gW, gb = self.W, self.b, self.gW, self.gb
        # forward; keep the hidden activations for the backward pass
        inp = x
        for l in range(L):
            torch.baddbmm(b[l], inp, W[l], out=z[l])
            if l < L - 1:
                if self.relu:
                    torch.clamp_min(z[l], 0, out=h[l])
                else:
                    torch.sigmoid(z[l], out=h[l])
                inp = h[l]
        # softmax cross-entropy, mean over the batch: dL/dz = (softmax - onehot) / B
        logp = torch.log_softmax(z[L - 1], dim=2)
        y3 = y.unsqueeze(2)
        self.loss_acc.sub_(logp.gather(2, y3).sum(dim=(1, 2)), alpha=1.0 / B)
        dz = logp.exp_()
        dz.scatter_add_(2, y3, minus_one)
        dz.mul_(1.0 / B)
        # backward
        for l in range(L - 1, -1, -1):
            a = h[l - 1] if l > 0 else x
            torch.bmm(a.transpose(1, 2), dz, out=gW[l])
            torch.sum(dz, dim=1, keepdim=True, out=gb[l])
            if l > 0:
                dh = torch.bmm(dz, W[l].transpose(1, 2))
                if self.relu:
                    dz = torch.ops.aten.threshold_backward(dh, a, 0)
                else:
                    dz = dh.mul_(torch.addcmul(a, a, a, value=-1))  # sigmoid' = h (1 - h)
        # the homework's gradient diagnostics (loss gradient only, before weight decay)
        norms = torch.stack([torch.linalg.vector_norm(g.view(self.K, -1), dim=1) for g in gW], dim=1)
        self.norm_acc.add_(norms)
        self.ratio_acc.add_(norms[:, 0] / norms[:, -1])

    def _compiled_step(self, s: int) -> bool:
        """The whole step as one torch.compile'd function (fused elementwise work); False if unavailable."""
        fn = _compiled_step_fn()
        coefs = ((self.wd, self.one_minus_b1, self.one_minus_b2, self.beta2, self.eps, self.neg_step[s], self.bc2_sqrt[s])
                 if self.adam else (self.wd, self.mom, self.neg_lr))
        try:
            fn(self.ds.train_x, self.order[s], self.labels[s], self.W, self.b, self.state, coefs,
               self.loss_acc, self.norm_acc, self.ratio_acc, self.relu, self.adam, self.nesterov)
        except Exception as exc:  # no C++ compiler, unsupported platform...: the eager path gives the same numbers
            warnings.warn(f"hw7.mnist.engine: torch.compile unavailable ({type(exc).__name__}: {str(exc)[:200]}); "
                          "training without it", RuntimeWarning, stacklevel=2)
            self.compiled = False
            _COMPILE_BROKEN[0] = True
            return False
        return True

    def _update_fused(self) -> None:
        """torch's fused SGD/Adam kernels (what ``fused=True`` in torch.optim runs), once per run.

        (Splitting these calls between Python threads was tried: it is several times slower here,
        the helper threads fight torch's OpenMP workers for the cores.)
        """
        if self.adam:
            self.adam_step += 1
        self._update_runs(range(self.K), self.step_count == 0)

    def _update_runs(self, runs: range, first: bool) -> None:
        if self.adam:
            m, v = self.run_state
            for k in runs:
                c = self.cfgs[k]
                torch._fused_adam_(self.run_params[k], self.run_grads[k], m[k], v[k], [], self.run_step,
                                   lr=self.lr_now[k], beta1=c.betas[0], beta2=c.betas[1], weight_decay=c.weight_decay,
                                   eps=c.eps, amsgrad=False, maximize=False)
        else:
            (buf,) = self.run_state
            for k in runs:
                c = self.cfgs[k]
                torch._fused_sgd_(self.run_params[k], self.run_grads[k], buf[k], weight_decay=c.weight_decay,
                                  momentum=c.momentum, lr=self.lr_now[k], dampening=0.0, nesterov=c.nesterov,
                                  maximize=False, is_first_step=first)

    def _update_batched(self, s: int) -> None:
        """The same updates for all K runs at once, hyper-parameters as broadcast (K, 1, 1) tensors."""
        for i, (p, g) in enumerate(zip(self.params, self.grads)):
            g.addcmul_(p, self.wd)  # weight decay folded into the gradient, as torch.optim does
            if self.adam:
                m, v = self.state[0][i], self.state[1][i]
                m.lerp_(g, self.one_minus_b1)
                v.mul_(self.beta2).addcmul_(g * self.one_minus_b2, g)
                d = v.sqrt().div_(self.bc2_sqrt[s]).add_(self.eps)
                torch.div(m, d, out=d)
                p.addcmul_(d, self.neg_step[s])
            else:
                buf = self.state[0][i]
                buf.mul_(self.mom).add_(g)
                if self.nesterov:
                    g.addcmul_(buf, self.mom)
                    p.addcmul_(g, self.neg_lr)
                else:
                    p.addcmul_(buf, self.neg_lr)

    @torch.no_grad()
    def evaluate(self, max_elems: int = 1 << 24) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Mean cross-entropy and accuracy of every run on the evaluation set, (K,) each, every run's
        predicted labels, (K, n), and the mean norm of each layer's input, (K, L), on the device."""
        X, Y = self.ds.test_x, self.ds.test_y
        K, L = self.K, self.n_layers
        loss = torch.zeros(K, dtype=torch.float64, device=self.device)
        correct = torch.zeros(K, dtype=torch.float64, device=self.device)
        norms = torch.zeros(K, L, dtype=torch.float64, device=self.device)
        preds = []
        rows = max(1, max_elems // (K * max(self.sizes[1:])))
        for start in range(0, X.shape[0], rows):
            x, y = X[start:start + rows], Y[start:start + rows]
            n = x.shape[0]
            norms[:, 0] += x.norm(dim=1).double().sum()
            # one GEMM per run (not one wide GEMM for all): a run's numbers then do not depend on K
            a = torch.stack([torch.addmm(self.b[0][k], x, self.W[0][k]) for k in range(K)])
            for l in range(1, L):
                a = torch.relu(a) if self.relu else torch.sigmoid(a)
                norms[:, l] += a.norm(dim=2).double().sum(dim=1)
                a = torch.baddbmm(self.b[l], a, self.W[l])
            logp = torch.log_softmax(a, dim=2)
            yy = y.view(1, n, 1).expand(K, n, 1)
            loss -= logp.gather(2, yy).sum(dim=(1, 2)).double()
            preds.append(logp.argmax(dim=2))
            correct += (preds[-1] == y.view(1, n)).sum(dim=1).double()
        return loss / X.shape[0], correct / X.shape[0], torch.cat(preds, dim=1), norms / X.shape[0]


def _step_math(X: torch.Tensor, idx: torch.Tensor, y: torch.Tensor, Ws: list[torch.Tensor], bs: list[torch.Tensor],
               state: list[list[torch.Tensor]], coefs: tuple[torch.Tensor, ...], loss_acc: torch.Tensor,
               norm_acc: torch.Tensor, ratio_acc: torch.Tensor, relu: bool, adam: bool, nesterov: bool) -> None:
    """One training step of K runs written as plain tensor math for torch.compile (same formulas as eager)."""
    K, B = idx.shape
    x = X[idx.reshape(-1)].view(K, B, -1)
    L = len(Ws)
    hs, a = [x], x
    z = x
    for l in range(L):
        z = torch.baddbmm(bs[l], a, Ws[l])
        if l < L - 1:
            a = torch.relu(z) if relu else torch.sigmoid(z)
            hs.append(a)
    logp = torch.log_softmax(z, dim=2)
    loss_acc.sub_(logp.gather(2, y.unsqueeze(2)).sum(dim=(1, 2)).double() / B)
    dz = (logp.exp() - F.one_hot(y, z.shape[2]).to(z.dtype)) * (1.0 / B)
    gW: list[torch.Tensor] = [x] * L
    gb: list[torch.Tensor] = [x] * L
    for l in range(L - 1, -1, -1):
        gW[l] = torch.bmm(hs[l].transpose(1, 2), dz)
        gb[l] = dz.sum(dim=1, keepdim=True)
        if l > 0:
            h = hs[l]
            dh = torch.bmm(dz, Ws[l].transpose(1, 2))
            dz = dh * (h > 0).to(dh.dtype) if relu else dh * (h - h * h)
    norms = torch.stack([torch.linalg.vector_norm(g.flatten(1), dim=1) for g in gW], dim=1).double()
    norm_acc.add_(norms)
    ratio_acc.add_(norms[:, 0] / norms[:, -1])
    for i, (p, g) in enumerate(zip(Ws + bs, gW + gb)):
        if adam:
            wd, omb1, omb2, b2, eps, neg_step, bc2_sqrt = coefs
            m, v = state[0][i], state[1][i]
            d = g + p * wd
            m_new = m + (d - m) * omb1
            v_new = v * b2 + (d * omb2) * d
            m.copy_(m_new)
            v.copy_(v_new)
            p.copy_(p + (m_new / (v_new.sqrt() / bc2_sqrt + eps)) * neg_step)
        else:
            wd, mom, neg_lr = coefs
            buf = state[0][i]
            d = g + p * wd
            buf_new = buf * mom + d
            buf.copy_(buf_new)
            p.copy_(p + ((d + buf_new * mom) if nesterov else buf_new) * neg_lr)


_COMPILED: list[Any] = [None]
_COMPILE_BROKEN = [False]


def _compiled_step_fn() -> Any:
    if _COMPILED[0] is None:
        import torch._dynamo
        # one compiled graph per (shapes, activation, optimizer): allow many before dynamo gives up
        torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 64)
        _COMPILED[0] = torch.compile(_step_math, dynamic=False)
    return _COMPILED[0]


def compile_available(device: torch.device) -> bool:
    """torch.compile on CPU needs a C++ compiler; use it only where it can work (and has not failed)."""
    return device.type == "cpu" and not _COMPILE_BROKEN[0] and any(shutil.which(c) for c in ("g++", "c++", "clang++"))
