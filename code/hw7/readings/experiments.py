"""The appendices' experiments: the optimizer zoo, deep narrow linear nets, the from-scratch NumPy net.

Declared as plain data (:class:`hw7.specs.ExperimentSpec`); the store's registry collects them.
"""

from __future__ import annotations

from typing import Any

from hw7.mnist.experiments import P2_BASELINE, mnist_config
from hw7.readings.zoo import zoo_config
from hw7.specs import ExperimentSpec, KindSpec

#: kind -> its runner and code version
KINDS: dict[str, KindSpec] = {
    "zoo": KindSpec("hw7.readings.zoo:run", 1),
    "lnn": KindSpec("hw7.readings.linear_nets:run", 1),
    "numpy_net": KindSpec("hw7.readings.numpy_runner:run", 1),
    "numpy_gradcheck": KindSpec("hw7.readings.numpy_runner:run_gradcheck", 1),
}

# --- Appendix A: the optimizer zoo -------------------------------------------------------------
ZOO_OPTIMIZERS = ["sgd", "momentum", "nesterov", "adam", "adagrad", "adadelta", "adamax", "rmsprop"]
ZOO_SEEDS = list(range(8))
ZOO_EVAL_EVERY = 100

# --- Appendix B: deep narrow linear networks (all on the tutorial's data) ------------------------
LNN_DATA = {"n": 100, "slope": 2.0, "sigma": 0.1, "seed": 2021}
LNN_THRESHOLD = 1e-2
LNN_EPOCHS = 600
#: depth = number of weights in the product; the tutorial's depth widget at lr 0.01, w0 = 0.9
LNN_DEPTH_CURVES = [1, 2, 5, 10, 15, 20, 25, 30, 40, 50]
LNN_DEPTH_LR = 0.01
LNN_INIT = 0.9
#: the learning-rate search: depths and a grid of rates (the tutorial's slider: 0.005 .. 0.105)
LNN_SEARCH_DEPTHS = [5, 10, 20, 30, 40, 50, 60]
LNN_SEARCH_LRS = [round(0.001 * k, 3) for k in range(1, 501)]  # 0.001 .. 0.500
#: the tutorial's initialisation figure: depth 15, lr 0.02, 250 epochs, w0 from 0.70 to 1.05 (we go wider)
LNN_INIT_DEPTH = 15
LNN_INIT_LR = 0.02
LNN_INIT_EPOCHS = 250
LNN_INITS = [round(0.5 + 0.05 * k, 2) for k in range(15)]  # 0.50 .. 1.20

# --- Appendix C: the from-scratch NumPy network --------------------------------------------------
NUMPY_EPOCHS = 30
NUMPY_SEEDS = [0, 1, 2]
NUMPY_MATCH_STEPS = 300


def _lnn(depths: list[int], lrs: list[float], inits: list[float], epochs: int, curves: str) -> dict[str, Any]:
    return {"depths": depths, "lrs": lrs, "inits": inits, "epochs": epochs, "threshold": LNN_THRESHOLD,
            "data": dict(LNN_DATA), "curves": curves}


def numpy_config(seed: int) -> dict[str, Any]:
    """The homework's Problem 2(a) set-up (P2_BASELINE), shortened to NUMPY_EPOCHS epochs."""
    return mnist_config(**{**P2_BASELINE, "epochs": NUMPY_EPOCHS, "seed": seed})


def experiments() -> list[ExperimentSpec]:
    """Appendices A-C, in book order."""
    return [
        ExperimentSpec("app-zoo", "zoo", "Optimizer zoo: 784-100-10 ReLU, batch 100, 3000 iterations, 8 optimizers x 8 seeds",
                    [zoo_config(o, s, eval_every=ZOO_EVAL_EVERY) for o in ZOO_OPTIMIZERS for s in ZOO_SEEDS]),
        ExperimentSpec("app-lnn-depth", "lnn", "Deep narrow linear nets: loss curves vs depth (lr 0.01, w0 0.9)",
                    [_lnn(LNN_DEPTH_CURVES, [LNN_DEPTH_LR], [LNN_INIT], LNN_EPOCHS, "all")]),
        ExperimentSpec("app-lnn-lr", "lnn", "Deep narrow linear nets: fastest-converging learning rate vs depth",
                    [_lnn(LNN_SEARCH_DEPTHS, LNN_SEARCH_LRS, [LNN_INIT], LNN_EPOCHS, "best_lr")]),
        ExperimentSpec("app-lnn-init", "lnn", "Deep narrow linear nets: loss curves vs initial weight (depth 15, lr 0.02)",
                    [_lnn([LNN_INIT_DEPTH], [LNN_INIT_LR], LNN_INITS, LNN_INIT_EPOCHS, "all")]),
        ExperimentSpec("app-numpy-gradcheck", "numpy_gradcheck",
                    "NumPy net: backward passes vs finite differences; NumPy vs torch.optim.SGD step by step",
                    [{"seed": 0, "h": 1e-5, "match_steps": NUMPY_MATCH_STEPS, "match_config": numpy_config(0)}]),
        ExperimentSpec("app-numpy-mnist", "numpy_net",
                    f"NumPy net on MNIST: homework 2(a) set-up, {NUMPY_EPOCHS} epochs x {len(NUMPY_SEEDS)} seeds",
                    [numpy_config(s) for s in NUMPY_SEEDS]),
    ]
