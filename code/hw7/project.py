"""Which project a command or a chapter works on: the one place every path of a checkout is found from.

An installed ``hw7`` (one checkout's ``.venv``) can be run inside another checkout, a student's say.
It must then read *that* checkout's ``cache/``, ``benchmarks/`` and git history, not those of the
checkout it was installed from, or an instructor's check passes on the wrong files. So the project
is found from where the command runs, as git finds its repository: the nearest folder, from the
current one up, that holds both ``_quarto.yml`` and ``cache/``. ``hw7 --project DIR`` (:func:`use`)
overrides it; outside any project, the package's own checkout is used. ``$HW7_CACHE_DIR``
overrides only the cache folder (:func:`cache_dir`), not the project.

Chapters need nothing special: Quarto executes a chapter in its own folder, inside its project.
"""

from __future__ import annotations

import os
from pathlib import Path

from hw7 import REPO_ROOT
from hw7.errors import Hw7Error

#: what marks a folder as a project of this kind (the book's config and the committed results)
MARKERS = ("_quarto.yml", "cache")

_override: Path | None = None
_found: dict[str, Path | None] = {}  # current folder -> the project enclosing it (a few stat calls, asked often)


def is_project(folder: Path) -> bool:
    return (folder / MARKERS[0]).is_file() and (folder / MARKERS[1]).is_dir()


def find(start: Path) -> Path | None:
    """The nearest folder from ``start`` up that is a project, or None."""
    start = start.resolve()
    return next((f for f in (start, *start.parents) if is_project(f)), None)


def use(folder: str | Path | None) -> None:
    """Work on the project ``folder`` (``--project DIR``) from now on; None goes back to finding it."""
    global _override
    if folder is None:
        _override = None
        return
    path = Path(folder).expanduser().resolve()
    if not is_project(path):
        raise Hw7Error(f"--project {folder}: {path} is not a Homework 7 project (it needs {MARKERS[0]} and a "
                       f"{MARKERS[1]}/ folder); give the folder of a checkout")
    _override = path


def _discovered() -> Path | None:
    here = os.getcwd()
    if here not in _found:
        _found[here] = find(Path(here))
    return _found[here]


def root() -> Path:
    """The project every path is relative to: ``--project``, else the one enclosing the current folder,
    else the checkout this package belongs to."""
    return _override or _discovered() or REPO_ROOT


def how_found() -> str:
    """Why :func:`root` is what it is, for the line every command starts with."""
    if _override is not None:
        return "--project"
    if _discovered() is not None:
        return "found from the current folder"
    return f"the hw7 package's own checkout: no project encloses {os.getcwd()}"


def cache_dir() -> Path:
    """``$HW7_CACHE_DIR`` if set (tests, scratch reruns), else the project's ``cache/``."""
    env = os.environ.get("HW7_CACHE_DIR")
    return Path(env).expanduser() if env else root() / "cache"  # "~/x" is not ./~/x


def describe_cache() -> str:
    """One line naming the cache a command reads and how it was chosen."""
    where = f"project {root()}, {how_found()}"
    if os.environ.get("HW7_CACHE_DIR"):
        return f"cache {cache_dir()} (HW7_CACHE_DIR; {where})"
    return f"cache {cache_dir()} ({where})"
