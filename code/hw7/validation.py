"""The value checks every config validator shares: what counts as an int and as a real number.

Why one module: the MNIST config, its augmentation, the Problem 1 runners and the readings each
validate JSON configs, and a value that one of them accepts as a learning rate must be accepted by
all of them (``True`` is not 1, ``NaN`` is not a number). Errors are :class:`~hw7.errors.ConfigError`.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

from hw7.errors import ConfigError


def fail(msg: str) -> NoReturn:
    """Reject a config with one line that says what is wrong."""
    raise ConfigError(msg)


def is_int(v: Any) -> bool:
    """A JSON integer (a bool is not one, although Python says so)."""
    return isinstance(v, int) and not isinstance(v, bool)


def is_real(v: Any) -> bool:
    """A finite JSON number: an int (not a bool) or a finite float."""
    return is_int(v) or (isinstance(v, float) and math.isfinite(v))
