"""Problem 1's optimizers, one row each: update rule, defaults, label and colour.

The registry (which optimizers part (b) and the sweep run), the config check, the figures, the
tables, the findings and the tests all read this table, so adding an optimizer is one row here
(its update rule in :mod:`hw7.problem1.descent`) plus its tests. A row's defaults are its rule's
keyword arguments, read from the rule's signature, so they are written once.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from hw7.present.palette import COLORBLIND, OPTIMIZER_COLORS, RGB
from hw7.problem1 import descent

#: keyword arguments of every update rule that are not hyper-parameters
_DRIVER_ARGS = ("final_only", "callback")


@dataclass(frozen=True)
class Optimizer:
    """One optimizer of Problem 1 as the whole chapter knows it."""

    name: str                                   # the name configs, the cache and the findings use
    rule: Callable[..., descent.Trajectory]     # (grad, init, lrs, steps, **hyper) -> Trajectory
    label: str                                  # how figures, tables and the preface write it
    color: RGB                                  # its colour in every figure of the book

    @property
    def defaults(self) -> dict[str, Any]:
        """The rule's hyper-parameters with their defaults (what a config may set)."""
        return {k: p.default for k, p in inspect.signature(self.rule).parameters.items()
                if p.kind is p.KEYWORD_ONLY and k not in _DRIVER_ARGS}


#: The optimizers of Problem 1, in the order the chapter draws and tabulates them. Exact gradients,
#: so the labels say "gradient descent", not "SGD"; the colours are the book's (hw7.present.palette).
OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in (
    Optimizer("gd", descent.gd, "Gradient descent", COLORBLIND[0]),
    Optimizer("momentum", descent.momentum, "Momentum", OPTIMIZER_COLORS["momentum"]),
    Optimizer("adam", descent.adam, "Adam", OPTIMIZER_COLORS["adam"]),
)}


def label(name: str) -> str:
    """How the chapter writes an optimizer."""
    return OPTIMIZERS[name].label


def color(name: str) -> RGB:
    """The optimizer's colour in every figure."""
    return OPTIMIZERS[name].color
