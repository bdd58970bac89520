"""Execute Quarto chapters without Quarto: qmd → notebook → Jupyter kernel (nbclient) → HTML.

``quarto render`` runs a ``.qmd`` file's Python cells in a Jupyter kernel and then evaluates
inline expressions (`` `{python} expr` ``) in that same kernel. This module does the same with
nbclient, so that (1) the test suite proves every chapter executes top to bottom against the
committed cache, and (2) ``make report`` still gives a readable preview where Quarto is not
installed. The preview is not the book: no cross-reference numbering, no PDF.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

from hw7 import REPO_ROOT

CELL_RE = re.compile(r"^```\{python\}[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
INLINE_RE = re.compile(r"`\{python\}\s+([^`]+)`")
FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)
INLINE_MARK = "__hw7_inline__"


def chapter_files(root: Path = REPO_ROOT) -> list[Path]:
    """Every file the book renders, in order, read from ``_quarto.yml`` (chapters and appendices)."""
    config = yaml.safe_load((root / "_quarto.yml").read_text())
    book = config["book"]
    files: list[str] = []
    for item in list(book.get("chapters", [])) + list(book.get("appendices", [])):
        if isinstance(item, dict):  # a part: {"part": ..., "chapters": [...]}
            files.extend(c for c in item.get("chapters", []) if isinstance(c, str))
        else:
            files.append(item)
    return [root / f for f in files]


@dataclass
class Chapter:
    path: Path
    notebook: nbformat.NotebookNode
    front_matter: dict


def to_notebook(path: Path) -> Chapter:
    """Split a .qmd into markdown and code cells. Inline expressions get a hidden cell each
    paragraph, placed where the text stands, so they see the kernel state Quarto would give them."""
    text = path.read_text()
    front: dict = {}
    match = FRONT_MATTER_RE.match(text)
    if match:
        front = yaml.safe_load(match.group(1)) or {}
        text = text[match.end():]
    cells = []
    position = 0

    def add_markdown(chunk: str) -> None:
        if not chunk.strip():
            return
        exprs = INLINE_RE.findall(chunk)
        if exprs:
            code = "import json as _json\nprint(%r + _json.dumps([str(_v) for _v in [%s]]))" % (
                INLINE_MARK, ", ".join(f"({e})" for e in exprs))
            cells.append(nbformat.v4.new_code_cell(code, metadata={"hw7_inline": True}))
        cells.append(nbformat.v4.new_markdown_cell(chunk.strip("\n")))

    for cell in CELL_RE.finditer(text):
        add_markdown(text[position:cell.start()])
        cells.append(nbformat.v4.new_code_cell(cell.group(1).rstrip("\n")))
        position = cell.end()
    add_markdown(text[position:])
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return Chapter(path, notebook, front)


def execute(chapter: Chapter, timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel started in the chapter's folder (as Quarto does); raise on error."""
    from nbclient import NotebookClient

    client = NotebookClient(chapter.notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(chapter.path.parent)}})
    client.execute()
    return chapter.notebook


def _one_by_one(values: list[str]) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement that hands out ``values`` in order, one per match."""
    queue = iter(values)
    return lambda _match: next(queue)


def substitute_inline(notebook: nbformat.NotebookNode) -> list[str]:
    """Replace inline expressions in markdown with the values the kernel printed; return them all."""
    values: list[str] = []
    pending: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.metadata.get("hw7_inline"):
            out = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
            pending = json.loads(out.split(INLINE_MARK, 1)[1])
            values.extend(pending)
        elif cell.cell_type == "markdown" and pending:
            cell.source = INLINE_RE.sub(_one_by_one(pending), cell.source)
            pending = []
    notebook.cells = [c for c in notebook.cells if not c.metadata.get("hw7_inline")]
    return values


def export_html(chapter: Chapter, notebook: nbformat.NotebookNode, out_dir: Path, order: int) -> Path:
    from nbconvert import HTMLExporter

    title = chapter.front_matter.get("title")
    if title:
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(f"# {title}"))
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(
        "> **Preview** — executed with nbclient because Quarto is not installed. "
        "Cross-references are not numbered and callouts are not styled; install Quarto "
        "and run `make report` for the real book."))
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(notebook)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{order:02d}-{chapter.path.stem}.html"
    target.write_text(body)
    return target


def build(out_dir: Path) -> list[Path]:
    """Execute every chapter and write its HTML page and an index into ``out_dir``; raise on a failing cell."""
    written = []
    for order, path in enumerate(chapter_files()):
        chapter = to_notebook(path)
        print(f"executing {_shown(path)} ...", flush=True)
        notebook = execute(chapter)
        substitute_inline(notebook)
        written.append(export_html(chapter, notebook, out_dir, order))
    links = "\n".join(f'<li><a href="{p.name}">{p.stem}</a></li>' for p in written)
    (out_dir / "index.html").write_text(
        f"<html><body><h1>Homework 7 — preview</h1><p>Preview only (Quarto not installed).</p><ul>{links}</ul></body></html>")
    return written


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _remove(path: Path) -> None:
    """Remove a previous preview: the folder, or only the link when it is a symlink (never what it points to)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def main(out_dir: Path = REPO_ROOT / "_preview") -> int:
    """Build the preview in a scratch folder beside ``out_dir`` and put it in place only when every chapter
    executed. A chapter that stops (bad data, a damaged cache) prints one ``hw7: error:`` line, exits 2 and
    leaves no ``out_dir`` at all: a previous preview would show results the cache no longer gives."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        build(work)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        _remove(out_dir)
        from nbclient.exceptions import CellExecutionError

        if not isinstance(exc, CellExecutionError):
            raise
        print(f"hw7: error: the preview stopped: {_reason(exc)}; no {out_dir.name}/ was written "
              "(the previous one, which would be stale, is removed)", file=sys.stderr)
        return 2
    _remove(out_dir)
    os.replace(work, out_dir)
    print(f"preview written to {out_dir}/index.html")
    return 0


def _reason(exc: Any) -> str:
    """The kernel's one ``hw7: error:`` line (:meth:`hw7.errors.Hw7Error._render_traceback_`), else the error's name
    and message, on one line."""
    ours = [line for line in str(exc).splitlines() if line.startswith("hw7: error: ")]
    reason = ours[-1].removeprefix("hw7: error: ") if ours else f"{exc.ename}: {exc.evalue}"
    return " ".join(reason.split())
