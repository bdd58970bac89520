"""What appendix C (the NumPy network) says, computed once from the cache as frozen, typed findings.

The appendix loads them with ``numpy_net.load()``; ``tests/test_claims_readings.py`` checks every
comparative or universal sentence against the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from hw7.entry import Entry, acc_at, final_accs, history
from hw7.findings import source
from hw7.mnist.experiments import P2_BASELINE
from hw7.present import fmt
from hw7.readings.experiments import NUMPY_EPOCHS
from hw7.readings.figures import gradcheck_table


@dataclass(frozen=True)
class NumpyNet:
    """Appendix C. Gradient checks (largest relative error per check, where the worst one sits); the
    step-by-step match with torch; and the MNIST runs beside Problem 2(a)'s torch runs."""

    h: float
    max_rel_error: Mapping[str, float]
    dropout_net_params: Mapping[str, float]   # per parameter of the network with dropout 0.5
    match_steps: int
    max_loss_gap: float
    max_weight_gap: float
    seeds: tuple[int, ...]
    numpy_final: tuple[float, ...]            # test accuracy after the last epoch, per seed
    torch_final: tuple[float, ...]
    acc_diffs: tuple[float, ...]              # NumPy - torch test accuracy, every epoch and seed
    numpy_epoch_s: float
    numpy_total_s: float
    torch_run_s: float
    runs_in_batch: int
    homework_loop_run_s: float                # the homework-style torch loop's cost per run (benchmark)
    timed_steps: int                          # steps the benchmark timed per setting (it scales them to a run)
    run_steps: int                            # steps of one 30-epoch run at batch 10
    engine_unbatched_s: float                 # the torch engine, one run at a time (benchmark, same machine)
    engine_batched_s: float                   # the torch engine at the benchmark's best batch of runs
    engine_batched_k: int                     # how many runs that batch trains together
    same_platform: bool                       # the NumPy runs and the benchmark report the same platform
    grad_entry: Entry = field(repr=False, compare=False)
    numpy_entries: tuple[Entry, ...] = field(repr=False, compare=False)
    torch_entries: tuple[Entry, ...] = field(repr=False, compare=False)

    def _worst(self, keep: Callable[[str], bool]) -> float:
        return max(v for k, v in self.max_rel_error.items() if keep(k))

    @property
    def net_plain(self) -> float:
        return self._worst(lambda k: k.startswith("net_") and "dropout" not in k)

    @property
    def net_dropout(self) -> float:
        return self._worst(lambda k: k.startswith("net_") and "dropout" in k)

    @property
    def dropout_layers(self) -> float:
        return self._worst(lambda k: k.startswith("dropout"))

    @property
    def worst_param(self) -> str:
        """The parameter of the dropout network with the largest error."""
        return max(self.dropout_net_params, key=self.dropout_net_params.__getitem__)

    @property
    def other_params_max(self) -> float:
        return max(v for k, v in self.dropout_net_params.items() if k != self.worst_param)

    @property
    def numpy_mean(self) -> float:
        return float(np.mean(self.numpy_final))

    @property
    def torch_mean(self) -> float:
        return float(np.mean(self.torch_final))

    @property
    def n_pairs(self) -> int:
        return len(self.acc_diffs)

    @property
    def n_pairs_differ(self) -> int:
        return sum(d != 0 for d in self.acc_diffs)

    @property
    def numpy_run_s(self) -> float:
        return self.numpy_epoch_s * NUMPY_EPOCHS

    @property
    def n_exact_steps(self) -> int:
        """Steps of the step-by-step match where the two losses are exactly equal (no point on a log axis)."""
        m = self.grad_entry["result"]["match"]
        return sum(a == b for a, b in zip(m["loss_numpy"], m["loss_torch"]))

    @property
    def engine_gain(self) -> float:
        """Homework loop over the unbatched engine: what the engine's loop gains without batching."""
        return self.homework_loop_run_s / self.engine_unbatched_s

    @property
    def batching_gain(self) -> float:
        """Unbatched over batched engine: what batching adds on top."""
        return self.engine_unbatched_s / self.engine_batched_s


def load() -> NumpyNet:
    """Every finding of appendix C, from the committed cache and benchmarks/results.json (where the
    summary's ``perf.*`` numbers come from: the homework loop and the torch engine, timed on one machine)."""
    read = source.entries
    b = source.perf_benchmark()
    engine = {row["K"]: row for row in b["engine"]}

    grad_e = read("app-numpy-gradcheck")[0]
    gr = grad_e["result"]
    np_runs = sorted(read("app-numpy-mnist"), key=lambda e: e["config"]["seed"])
    seeds = tuple(e["config"]["seed"] for e in np_runs)
    torch_runs = sorted((e for e in read("p2-a-sgd-lr") if e["config"]["lr"] == P2_BASELINE["lr"]
                         and e["config"]["seed"] in seeds), key=lambda e: e["config"]["seed"])
    diffs = np.array([np.array(history(a, "eval_acc")) - np.array(history(b, "eval_acc")[:NUMPY_EPOCHS])
                      for a, b in zip(np_runs, torch_runs)])
    return NumpyNet(
        h=grad_e["config"]["h"], max_rel_error=dict(gr["max_rel_error"]),
        dropout_net_params=dict(gr["checks"]["net_relu_dropout0.5_15-20-30-10"]),
        match_steps=gr["match"]["steps"], max_loss_gap=gr["match"]["max_loss_gap"],
        max_weight_gap=gr["match"]["max_weight_gap"], seeds=seeds,
        numpy_final=final_accs(np_runs),
        torch_final=tuple(acc_at(e, NUMPY_EPOCHS) for e in torch_runs),
        acc_diffs=tuple(diffs.ravel().tolist()),
        numpy_epoch_s=float(np.mean([np.mean(e["result"]["epoch_seconds"]) for e in np_runs])),
        numpy_total_s=sum(e["meta"]["seconds"] for e in np_runs),
        torch_run_s=float(np.mean([e["meta"]["seconds"] for e in torch_runs])),
        runs_in_batch=torch_runs[0]["result"]["runs_in_batch"], homework_loop_run_s=b["baseline_run_seconds"],
        timed_steps=int(b["steps"]),
        run_steps=round(b["baseline_run_seconds"] / b["homework_loop"]["seconds_per_step"]),
        engine_unbatched_s=engine[1]["run_seconds_30_epochs"],
        engine_batched_s=engine[b["best_K"]]["run_seconds_30_epochs"], engine_batched_k=b["best_K"],
        same_platform=all(e["meta"]["platform"] == b["machine"]["platform"] for e in np_runs),
        grad_entry=grad_e, numpy_entries=tuple(np_runs), torch_entries=tuple(torch_runs))


def gradcheck_markdown(n: NumpyNet) -> str:
    """The gradient-check table with its errors in scientific notation."""
    t = gradcheck_table(n.grad_entry)
    t["check"] = [check_label(c) for c in t["check"]]
    t["gradients compared"] = [param_label(g) for g in t["gradients compared"]]
    t["max relative error"] = [fmt.sci(v, 2) for v in t["max relative error"]]
    return t.to_markdown(index=False, disable_numparse=True)


#: how the gradient checks read in the table (the cache names them by code identifiers)
CHECK_LABELS = {"linear": "linear layer", "relu": "ReLU", "sigmoid": "sigmoid", "softmax_ce": "softmax cross-entropy",
                "net_relu_15-20-30-10": "ReLU network 15–20–30–10",
                "net_relu_dropout0.5_15-20-30-10": "ReLU network 15–20–30–10, dropout p = 0.5",
                "net_sigmoid_4-30-7": "sigmoid network 4–30–7"}


def check_label(check: str) -> str:
    """``dropout_p0.5`` -> ``dropout p = 0.5``; the others from :data:`CHECK_LABELS`."""
    if check.startswith("dropout_p"):
        return f"dropout p = {check.removeprefix('dropout_p')}"
    return CHECK_LABELS.get(check, check.replace("_", " "))


def param_label(names: str) -> str:
    """``layer3.W, layer3.b`` -> ``W₃, b₃``: parameter names as the prose writes them."""
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    out = []
    for name in names.split(", "):
        layer, _, kind = name.partition(".")
        out.append(f"{kind}{layer.removeprefix('layer').translate(sub)}" if kind else name)
    return ", ".join(out)
