"""Keep Quarto's frozen chapter outputs (``_freeze/``) honest, chapter by chapter.

The book renders with ``freeze: auto``: Quarto re-executes a chapter only when its ``.qmd`` text
changed, and otherwise reuses the outputs stored under ``_freeze/`` (committed, so a fresh clone
renders without executing anything). Quarto cannot know what else a chapter's outputs depend on, so
this guard gives every chapter an *input map*, the files its execution reads:

* its ``.qmd``;
* the ``hw7`` modules it imports, transitively (found with :mod:`ast` over ``code/hw7``, every
  ``import`` in a module counted, also those inside functions);
* the cache entries of the experiments it reads and the other files it reads (:data:`READS`: declared
  here, and checked by ``tests/test_chapters.py``, which records every file a chapter opens when it
  executes and fails on one that is not in its map);
* the parts of ``_quarto.yml`` that shape execution (figure sizes and formats, ``execute``): not the
  ``book:`` block, so setting the student's name, course or date re-executes nothing.

Each chapter's map hashes to one sha256, stamped in ``_freeze/hw7-inputs.json``. The commands:

* ``pre``  (Quarto's project pre-render script): deletes the frozen outputs of each chapter whose hash
  differs from its stamp, so exactly those chapters are executed afresh;
* ``post`` (post-render script): stamps the hash of every chapter that has frozen outputs;
* ``check`` (``python -m hw7.booktools.freeze_guard check``, and tests/test_freeze_guard.py): exit 1
  naming the chapters whose committed outputs were made from other inputs — fix with ``make report``
  and commit ``_freeze/``.

It imports only the standard library, because Quarto runs it as a plain script.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # code/hw7/booktools/freeze_guard.py -> the repository
FREEZE_DIR = "_freeze"
STAMP = "hw7-inputs.json"
OLD_STAMP = "hw7-inputs.sha256"  # one hash for the whole book, before chapters had their own
CODE = "code"
PACKAGE = "hw7"
CACHE = "cache"
#: top-level blocks of _quarto.yml that no chapter's execution reads: the book's title, author, date and
#: chapter list (also its PDF's name), cross-reference and language labels, the included metadata files
QUARTO_NOT_EXECUTED = ("book", "crossref", "language", "metadata-files")


@dataclass(frozen=True)
class Reads:
    """What a chapter reads besides its .qmd and its modules: ``experiments`` (shell patterns over a cache
    entry's ``"experiment"``) and ``files`` (glob patterns relative to the project)."""

    experiments: tuple[str, ...]
    files: tuple[str, ...] = ()


SUMMARY = "cache/summary.json"  # rebuilt from (and checked against) every family's entries: "*"
PERF = "benchmarks/results.json"
PERF_AUGMENT = "benchmarks/augment_results.json"
#: chapter -> what it reads. A chapter missing here reads everything (:data:`EVERYTHING`).
READS: dict[str, Reads] = {
    "index.qmd": Reads(("*",), (SUMMARY, PERF, PERF_AUGMENT)),
    "report/p1-rosenbrock.qmd": Reads(("p1-*",)),
    "report/p2-shallow-mnist.qmd": Reads(("*",), (SUMMARY, PERF, PERF_AUGMENT)),
    "report/p3-deep-nets.qmd": Reads(("p2-*", "p3-*"), (PERF_AUGMENT,)),
    "report/app-optimizer-zoo.qmd": Reads(("app-zoo",)),
    "report/app-linear-nets.qmd": Reads(("app-lnn-*",)),
    "report/app-numpy-net.qmd": Reads(("app-numpy-*", "p2-a-sgd-lr"), (PERF,)),
    "report/app-reproducibility.qmd": Reads(("*",), (SUMMARY, PERF)),
}
EVERYTHING = Reads(("*",), ("cache/*.json", "benchmarks/*.json"))

CELL = re.compile(r"^```\{python\}[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
CHAPTER_LINE = re.compile(r"^\s*-\s+[\"']?([\w./-]+\.qmd)[\"']?\s*(?:#.*)?$", re.M)
TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


def chapters(root: Path = ROOT) -> list[str]:
    """The book's chapters that execute Python (``- file.qmd`` lines of _quarto.yml with a python cell)."""
    found = CHAPTER_LINE.findall((root / "_quarto.yml").read_text(encoding="utf-8"))
    return [c for c in dict.fromkeys(found) if (root / c).is_file()
            and CELL.search((root / c).read_text(encoding="utf-8"))]


def _module_file(name: str, code: Path) -> Path | None:
    base = code.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(tree: ast.AST, package: str) -> set[str]:
    """Every module name an ``import`` in ``tree`` may load (``from a import b``: ``a`` and ``a.b``);
    ``package`` resolves relative imports."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")}


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def module_closure(code_text: str, code: Path, memo: dict[Path, set[str]] | None = None) -> list[Path]:
    """The files of every ``hw7`` module ``code_text`` imports, directly or through other modules (and the
    ``__init__.py`` of each package on the way, which an import runs). ``memo``: module file -> its imports,
    shared between the chapters of one run."""
    memo = {} if memo is None else memo
    todo = list(_imported(ast.parse(code_text), ""))
    seen: dict[str, Path] = {}
    names: set[str] = set()  # every name looked at (a function's name in ``from a import f`` is no module)
    while todo:
        for part in _parents(todo.pop()):
            path = None if part in names else _module_file(part, code)
            names.add(part)
            if path is None:
                continue
            seen[part] = path
            if path not in memo:
                package = part if path.name == "__init__.py" else part.rpartition(".")[0]
                memo[path] = _imported(ast.parse(path.read_text(encoding="utf-8")), package)
            todo += memo[path]
    return sorted(set(seen.values()))


def chapter_code(qmd_text: str) -> str:
    """The Python of a chapter's cells, IPython magics and shell lines left out."""
    cells = (m.group(1) for m in CELL.finditer(qmd_text))
    return "\n".join(line for cell in cells for line in cell.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def cache_dir(root: Path = ROOT) -> Path:
    """The cache the chapters read: ``$HW7_CACHE_DIR`` when set (as :func:`hw7.project.cache_dir`), else cache/.

    Hashing the committed cache/ while the chapters read another would call ``_freeze/`` current for results
    it was never made from (a scratch rerun, or a damaged copy)."""
    return Path(os.environ.get("HW7_CACHE_DIR") or root / CACHE).expanduser()


def _name(path: Path, root: Path) -> str:
    """An input's name in the hash: relative to the project, a cache entry as ``cache/<kind>/<key>.json``
    wherever the cache lies."""
    cache = cache_dir(root)
    if path.is_relative_to(cache):
        return f"{CACHE}/{path.relative_to(cache).as_posix()}"
    return path.relative_to(root).as_posix()


def entry_experiments(root: Path) -> dict[Path, str]:
    """Every cache entry -> the experiment it names; ``"*"`` for one that cannot be read (a damaged entry
    counts as read by every chapter that reads the cache)."""
    found = {}
    for path in sorted(cache_dir(root).glob("*/*.json")):
        try:
            name = json.loads(path.read_text(encoding="utf-8")).get("experiment")
        except (ValueError, UnicodeDecodeError, AttributeError):
            name = None
        found[path] = name if isinstance(name, str) else "*"
    return found


def quarto_execution_text(root: Path) -> str:
    """_quarto.yml without its :data:`QUARTO_NOT_EXECUTED` top-level blocks."""
    kept, skipping = [], False
    for line in (root / "_quarto.yml").read_text(encoding="utf-8").splitlines():
        key = TOP_LEVEL_KEY.match(line)
        if key:
            skipping = key.group(1) in QUARTO_NOT_EXECUTED
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


@dataclass
class _Memo:
    """What one run of the guard reads once for all chapters: the cache's entries, each module's imports and
    each file's digest."""

    entries: dict[Path, str]
    imports: dict[Path, set[str]] = field(default_factory=dict)
    digests: dict[Path, bytes] = field(default_factory=dict)

    def digest(self, path: Path) -> bytes:
        if path not in self.digests:
            self.digests[path] = hashlib.sha256(path.read_bytes()).digest()
        return self.digests[path]


def input_files(chapter: str, root: Path = ROOT, memo: _Memo | None = None) -> list[Path]:
    """The files a chapter's execution reads (its input map), besides the execution part of _quarto.yml."""
    reads = READS.get(chapter, EVERYTHING)
    memo = _Memo(entry_experiments(root)) if memo is None else memo
    qmd = root / chapter
    files = {qmd, *module_closure(chapter_code(qmd.read_text(encoding="utf-8")), root / CODE, memo.imports)}
    files |= {path for path, name in memo.entries.items()
              if name == "*" or any(fnmatch.fnmatchcase(name, p) for p in reads.experiments)}
    files |= {path for pattern in reads.files for path in root.glob(pattern) if path.is_file()}
    return sorted(files, key=lambda p: _name(p, root))


def fingerprint(chapter: str, root: Path = ROOT, memo: _Memo | None = None) -> str:
    """sha256 over the chapter's input files (path and content) and the execution part of _quarto.yml."""
    memo = _Memo(entry_experiments(root)) if memo is None else memo
    h = hashlib.sha256(quarto_execution_text(root).encode())
    for path in input_files(chapter, root, memo):
        h.update(_name(path, root).encode() + b"\0")
        h.update(memo.digest(path))
    return h.hexdigest()


def fingerprints(root: Path = ROOT, names: Iterable[str] | None = None) -> dict[str, str]:
    """chapter -> its fingerprint, for every chapter of the book (or ``names``)."""
    memo = _Memo(entry_experiments(root))
    return {c: fingerprint(c, root, memo) for c in (chapters(root) if names is None else names)}


def frozen_dir(chapter: str, root: Path = ROOT) -> Path:
    """Where Quarto keeps a chapter's frozen outputs: ``_freeze/<path without .qmd>``."""
    return root / FREEZE_DIR / Path(chapter).with_suffix("")


def stamped(root: Path = ROOT) -> dict[str, str]:
    path = root / FREEZE_DIR / STAMP
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def stale(root: Path = ROOT) -> list[str]:
    """The chapters whose frozen outputs are missing or were made from other inputs than the current ones."""
    stamps, current = stamped(root), fingerprints(root)
    return [c for c, h in current.items() if not frozen_dir(c, root).exists() or stamps.get(c) != h]


def is_current(root: Path = ROOT) -> bool:
    return not stale(root)


def pre(root: Path = ROOT) -> str:
    """Delete the frozen outputs of each chapter whose inputs changed: Quarto executes exactly those."""
    stamps, current = stamped(root), fingerprints(root)
    dropped = [c for c, h in current.items() if frozen_dir(c, root).exists() and stamps.get(c) != h]
    for chapter in dropped:
        shutil.rmtree(frozen_dir(chapter, root))
    if dropped:
        return "freeze guard: inputs changed, re-executing " + ", ".join(dropped)
    return "freeze guard: frozen chapter outputs are current (chapters without them execute)"


def post(root: Path = ROOT) -> str:
    """Stamp every chapter that has frozen outputs with the hash of the inputs they were made from."""
    current = fingerprints(root)
    stamps = {c: h for c, h in current.items() if frozen_dir(c, root).exists()}
    path = root / FREEZE_DIR / STAMP
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (root / FREEZE_DIR / OLD_STAMP).unlink(missing_ok=True)
    return f"freeze guard: stamped {len(stamps)} chapters in {path.relative_to(root).as_posix()}"


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
        behind = stale()
        if behind:
            print("freeze guard: the frozen outputs of " + ", ".join(behind) + " were made from other inputs "
                  "(or are missing); run `make report` and commit _freeze/")
            return 1
        print("freeze guard: _freeze/ matches every chapter's inputs")
    else:
        print(f"usage: freeze_guard.py [pre|post|check] (got {command!r})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
