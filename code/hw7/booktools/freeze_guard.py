"""Keep Quarto's frozen chapter outputs (``_freeze/``) honest.

The book renders with ``freeze: auto``: Quarto re-executes a chapter only when its ``.qmd`` text
changed, and otherwise reuses the outputs stored under ``_freeze/`` (committed, so a fresh clone
renders without executing anything). Quarto cannot know that a chapter's outputs also depend on
``cache/`` (the results), ``code/hw7/`` (the figure and table code) and ``_quarto.yml`` (figure
sizes and formats). This guard hashes those inputs and

* ``pre``  (Quarto's project pre-render script): deletes ``_freeze/`` when the hash differs from
  the one stamped at the last render, so every chapter is executed afresh;
* ``post`` (post-render script): stamps the hash of the inputs the outputs were made from;
* ``check`` (``python -m hw7.booktools.freeze_guard check``, and tests/test_freeze_guard.py): exit 1 when the
  committed ``_freeze/`` was made from other inputs — fix with ``make report`` and commit ``_freeze/``.

It imports only the standard library, because Quarto runs it as a plain script.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # code/hw7/booktools/freeze_guard.py -> the repository
FREEZE_DIR = "_freeze"
STAMP = "hw7-inputs.sha256"
#: what the frozen outputs depend on besides the chapter text (which Quarto hashes itself); the results are
#: the cache folder the chapters read (:func:`cache_dir`), hashed under the name ``cache/``
INPUTS = ("code/hw7/**/*.py", "benchmarks/results.json", "_quarto.yml")
CACHE_INPUTS = "**/*.json"


def cache_dir(root: Path = ROOT) -> Path:
    """The cache the chapters read: ``$HW7_CACHE_DIR`` when set (as :func:`hw7.store.cache.cache_root`), else cache/.

    Hashing the committed cache/ while the chapters read another would call ``_freeze/`` current for results
    it was never made from (a scratch rerun, or a damaged copy)."""
    return Path(os.environ.get("HW7_CACHE_DIR") or root / "cache").expanduser()


def input_files(root: Path = ROOT) -> list[tuple[str, Path]]:
    """(name, path) of every input, sorted by name; the cache's files are named ``cache/<kind>/<key>.json``."""
    files = {(p.relative_to(root).as_posix(), p) for pattern in INPUTS for p in root.glob(pattern)}
    cache = cache_dir(root)
    files |= {("cache/" + p.relative_to(cache).as_posix(), p) for p in cache.glob(CACHE_INPUTS)}
    return sorted((name, p) for name, p in files if p.is_file() and "__pycache__" not in p.parts)


def fingerprint(root: Path = ROOT) -> str:
    """sha256 over every input file's name and content (line endings as stored)."""
    h = hashlib.sha256()
    for name, path in input_files(root):
        h.update(name.encode() + b"\0")
        with open(path, "rb") as handle:
            h.update(hashlib.file_digest(handle, "sha256").digest())
    return h.hexdigest()


def stamp_path(root: Path = ROOT) -> Path:
    return root / FREEZE_DIR / STAMP


def stamped(root: Path = ROOT) -> str | None:
    path = stamp_path(root)
    return path.read_text().strip() if path.exists() else None


def is_current(root: Path = ROOT) -> bool:
    return stamped(root) == fingerprint(root)


def pre(root: Path = ROOT) -> str:
    freeze = root / FREEZE_DIR
    if freeze.exists() and not is_current(root):
        shutil.rmtree(freeze)
        return "freeze guard: cache/, code/hw7/ or _quarto.yml changed since the last render: re-executing every chapter"
    return "freeze guard: frozen chapter outputs are current" if freeze.exists() else "freeze guard: nothing frozen yet"


def post(root: Path = ROOT) -> str:
    path = stamp_path(root)
    path.parent.mkdir(exist_ok=True)
    path.write_text(fingerprint(root) + "\n")
    return f"freeze guard: stamped {path.relative_to(root)}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    if command == "pre":
        print(pre())
    elif command == "post":
        print(post())
    elif command == "check":
        if not (ROOT / FREEZE_DIR).exists():
            print("freeze guard: no _freeze/ (chapters execute on the next render)")
            return 0
        if not is_current():
            print("freeze guard: _freeze/ was rendered from other cache/, code/hw7/ or _quarto.yml contents; "
                  "run `make report` and commit _freeze/")
            return 1
        print("freeze guard: _freeze/ matches the current inputs")
    else:
        print(f"usage: freeze_guard.py [pre|post|check] (got {command!r})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
