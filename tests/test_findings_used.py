"""Every public attribute of the findings is read somewhere: by a chapter, a test, or other package code.

Why: a finding nobody cites is dead weight that still has to be kept true (issue 29 found
``eps_wander_k`` and ``beta2_orders_d``). Reading is counted as text, ``.name`` outside the line
that defines it, in the chapters, the tests and the package.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import hw7.findings

ROOT = Path(__file__).resolve().parents[1]


def _public_attributes() -> dict[str, set[str]]:
    """``module.Class`` -> the public fields, properties and methods of each findings dataclass."""
    out: dict[str, set[str]] = {}
    for info in pkgutil.iter_modules(hw7.findings.__path__):
        module = importlib.import_module(f"hw7.findings.{info.name}")
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__:
                names = {f.name for f in dataclasses.fields(cls)}
                names |= {k for k, v in vars(cls).items() if isinstance(v, (property, staticmethod, classmethod))
                          or inspect.isfunction(v)}
                out[f"{info.name}.{name}"] = {n for n in names if not n.startswith("_")}
    return out


def _readers() -> str:
    files = [*ROOT.glob("report/*.qmd"), ROOT / "index.qmd", *ROOT.glob("tests/*.py"), *ROOT.glob("code/hw7/**/*.py")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files if p.name != Path(__file__).name)


def unused(attributes: dict[str, set[str]], text: str) -> list[str]:
    """The attributes no ``.name`` in ``text`` reads."""
    return sorted(f"{owner}.{name}" for owner, names in attributes.items() for name in names
                  if not re.search(rf"\.{re.escape(name)}\b", text))


def test_the_check_can_fail():
    assert unused({"p1.Demo": {"read", "never_read"}}, "x = f.read + 1") == ["p1.Demo.never_read"]


def test_every_public_finding_is_read():
    assert unused(_public_attributes(), _readers()) == []
