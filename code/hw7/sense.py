"""Checking a stored document for sense, not only for its checksum.

A checksum proves a file is what was written; it does not prove the writer was this project. An
entry edited by hand and re-checksummed, or written by other code, can hold an accuracy of 1.7, a
negative distance or half a history, and every reader downstream (tables, the summary, the book)
would show it. Each family states what its results look like with these few checks (``hw7.mnist.results``,
``hw7.problem1.results``, ``hw7.readings.results``); the store applies them on every read, and the
MNIST reference loop to a restored checkpoint. They live below the families, like :mod:`hw7.validation`.

Every check raises :class:`Nonsense` naming the field (``result.eval_acc[3]``) and what it should be.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

HEX = re.compile(r"[0-9a-f]+")


class Nonsense(ValueError):
    """A field whose value no run of this project can produce (the message names the field)."""


def need(ok: bool, message: str) -> None:
    if not ok:
        raise Nonsense(message)


def mapping(value: Any, where: str) -> Mapping[str, Any]:
    need(isinstance(value, Mapping), f"{where} must be a JSON object, not {type(value).__name__}")
    return value


def fields(doc: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Mapping[str, Any]:
    """``doc`` as a mapping holding every ``required`` field and nothing outside ``required + optional``."""
    doc = mapping(doc, where)
    missing = [k for k in required if k not in doc]
    unknown = sorted(set(doc) - set(required) - set(optional))
    need(not missing, f"{where} lacks the field(s) {', '.join(missing)}")
    need(not unknown, f"{where} has unknown field(s) {', '.join(unknown)}")
    return doc


def integer(value: Any, where: str, lo: int | None = None, hi: int | None = None) -> int:
    """An int (a JSON number without a fraction; ``true`` is not one) within ``[lo, hi]``."""
    ok = isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float) and value.is_integer()
    need(ok, f"{where} must be an integer, got {value!r:.40}")
    value = int(value)
    need((lo is None or value >= lo) and (hi is None or value <= hi),
         f"{where} must lie in [{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}], got {value}")
    return value


def real(value: Any, where: str, lo: float = -math.inf, hi: float = math.inf, *, nan: bool = False,
         inf: bool = False) -> float:
    """A number within ``[lo, hi]``; NaN only with ``nan``, an infinity only with ``inf`` (of ``lo``/``hi``'s sign)."""
    need(isinstance(value, (int, float)) and not isinstance(value, bool), f"{where} must be a number, got {value!r:.40}")
    value = float(value)
    if math.isnan(value):
        need(nan, f"{where} must not be NaN")
    elif math.isinf(value):
        need(inf and (value > 0 and hi == math.inf or value < 0 and lo == -math.inf), f"{where} must be finite, got {value}")
    else:
        need(lo <= value <= hi, f"{where} must lie in [{lo:g}, {hi:g}], got {value!r}")
    return value


def text(value: Any, where: str, max_len: int = 200, pattern: re.Pattern[str] | None = None) -> str:
    need(isinstance(value, str), f"{where} must be a string, got {type(value).__name__}")
    need(0 < len(value) <= max_len, f"{where} must hold 1 to {max_len} characters, got {len(value)}")
    need(pattern is None or pattern.fullmatch(value) is not None, f"{where} is not of the form {pattern and pattern.pattern}")
    return value


def hex_digest(value: Any, where: str, lengths: tuple[int, ...] = (64,)) -> str:
    digest = text(value, where, max(lengths), HEX)
    need(len(digest) in lengths, f"{where} must be {' or '.join(map(str, lengths))} hex digits, got {len(digest)}")
    return digest


def series(value: Any, where: str, length: int | None = None) -> list[Any]:
    """A JSON list, of ``length`` items when given."""
    need(isinstance(value, list), f"{where} must be a list, not {type(value).__name__}")
    need(length is None or len(value) == length, f"{where} must hold {length} items, got {len(value)}")
    return value


def _fine(v: Any, lo: float, hi: float, nan: bool, inf: bool) -> bool:
    """:func:`real`'s test without its message (the fast path of long lists)."""
    if type(v) is not float and type(v) is not int:  # bool is an int subclass, not a number here
        return False
    if v != v:
        return nan
    if v == math.inf or v == -math.inf:
        return inf and (v > 0 and hi == math.inf or v < 0 and lo == -math.inf)
    return lo <= v <= hi


def reals(value: Any, where: str, length: int | None = None, lo: float = -math.inf, hi: float = math.inf, *,
          nan: bool = False, inf: bool = False) -> list[float]:
    """A list of numbers, each as :func:`real` demands (the first one that is not named)."""
    items = series(value, where, length)
    if not all(_fine(v, lo, hi, nan, inf) for v in items):
        for i, v in enumerate(items):
            real(v, f"{where}[{i}]", lo, hi, nan=nan, inf=inf)
    return items


def grid(value: Any, where: str, shape: tuple[int | None, ...]) -> list[Any]:
    """The items of a nested list of ``shape`` (None: any length), flattened; raises naming the first row off."""
    items = [value]
    for depth, length in enumerate(shape):
        for item in items:
            if not isinstance(item, list) or length is not None and len(item) != length:
                series(item, f"{where}{'[…]' * depth}", length)  # raises with the length found
        items = [x for item in items for x in item]
    return items


def real_grid(value: Any, where: str, shape: tuple[int | None, ...], lo: float = -math.inf, hi: float = math.inf, *,
              nan: bool = False, inf: bool = False, null: bool = False) -> None:
    """A nested list of ``shape`` holding numbers as :func:`real` demands (``null``: or null, read as NaN)."""
    flat = [math.nan if v is None and null else v for v in grid(value, where, shape)]
    reals(flat, f"{where} (flattened)", None, lo, hi, nan=nan or null, inf=inf)


def integers(value: Any, where: str, length: int | None = None, lo: int | None = None, hi: int | None = None) -> list[int]:
    items = series(value, where, length)
    fine = all(type(v) is int and (lo is None or v >= lo) and (hi is None or v <= hi) for v in items)
    return items if fine else [integer(v, f"{where}[{i}]", lo, hi) for i, v in enumerate(items)]


def optional(doc: Mapping[str, Any], name: str) -> bool:
    """Whether ``doc`` holds ``name`` with a value other than null."""
    return doc.get(name) is not None
