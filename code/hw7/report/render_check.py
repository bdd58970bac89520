"""Render the book with Quarto and fail on anything a reader would stumble on.

``python -m hw7.report.render_check`` (or ``make render-check``) runs one plain ``quarto render`` (HTML and
PDF together: separate ``--to`` runs delete each other's output) and fails when

* the log has a warning (Quarto, pandoc, typst, the Jupyter kernel) that is not on the short,
  commented allow-list below — a warning is a defect until it is explained there;
* an output has an unresolved cross-reference (Quarto prints ``?@label`` for those);
* an expected output file is missing (every chapter's HTML page and the PDF);
* the render changed the git working tree (Quarto edits ``.gitignore`` when its lines are missing);
* ``_freeze/`` does not match the inputs it was rendered from (see :mod:`hw7.report.freeze_guard`).

``--log FILE`` checks a saved log and the existing ``_book/`` instead of rendering. The log parser,
:func:`problems`, is a plain function of the text so the tests can feed it synthetic logs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from hw7 import REPO_ROOT
from hw7.report import freeze_guard

#: Log lines that report a problem. Quarto writes "WARN:"/"WARNING:"/"ERROR:", pandoc "[WARNING]",
#: typst "warning:"/"error:", Python loggers "WARNING |" and tracebacks "...Warning:".
PROBLEM = re.compile(
    r"(\[WARNING\]|\bWARN(ING)?\b|\bERROR\b|^\s*(warning|error)(\[\w+\])?:|\w+Warning:|Traceback \(most recent call last\))",
    re.MULTILINE,
)

#: Explained warnings: (pattern, why it is harmless). Keep this list short; add nothing unexplained.
ALLOWED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"WARN: typst-gather analyze failed; staging all packages as fallback"),
     "offline Quarto bundle without the typst-gather helper; Quarto stages all bundled typst "
     "packages instead (documented in ../shared/tools/quarto/README.md); output unaffected"),
    (re.compile(r"\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption"),
     "ipykernel >= 7 notes that the Jupyter kernel Quarto starts talks over unencrypted ZMQ sockets; "
     "they listen on 127.0.0.1 only, and Quarto chooses the transport, not the project"),
]

#: Quarto writes an unresolved cross-reference as "?@label" in the output.
UNRESOLVED = re.compile(r"\?@[\w:-]+")


@dataclass(frozen=True)
class Problem:
    kind: str  # "warning", "crossref", "missing", "dirty-tree", "stale-freeze", "exit"
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def problems(log: str) -> list[Problem]:
    """Every line of a render log that reports a warning or an error not on the allow-list."""
    out = []
    for line in log.splitlines():
        clean = re.sub(r"\x1b\[[0-9;]*m", "", line)  # Quarto colours its WARN lines
        if PROBLEM.search(clean) and not any(p.search(clean) for p, _ in ALLOWED):
            out.append(Problem("warning", clean.strip()))
    return out


def unresolved_refs(text: str, where: str) -> list[Problem]:
    return [Problem("crossref", f"{where}: {ref}") for ref in sorted(set(UNRESOLVED.findall(text)))]


def expected_outputs(root: Path) -> tuple[Path, list[Path]]:
    """The book's output folder and the HTML page every chapter of _quarto.yml must produce."""
    config = yaml.safe_load((root / "_quarto.yml").read_text())
    out_dir = root / config.get("project", {}).get("output-dir", "_book")
    book = config.get("book", {})
    pages = []
    for entry in list(book.get("chapters", [])) + list(book.get("appendices", [])):
        source = entry if isinstance(entry, str) else entry.get("href", "")
        if source.endswith((".qmd", ".md", ".ipynb")):
            pages.append(out_dir / Path(source).with_suffix(".html"))
    return out_dir, pages


def check_outputs(root: Path) -> list[Problem]:
    """Missing files and unresolved cross-references in the rendered HTML pages and PDF."""
    out_dir, pages = expected_outputs(root)
    found = []
    for page in pages:
        if not page.exists():
            found.append(Problem("missing", str(page.relative_to(root))))
        else:
            found += unresolved_refs(page.read_text(errors="replace"), str(page.relative_to(root)))
    pdfs = sorted(out_dir.glob("*.pdf"))
    if not pdfs:
        found.append(Problem("missing", f"{out_dir.relative_to(root)}/*.pdf"))
    for pdf in pdfs:
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
            found += unresolved_refs(text, str(pdf.relative_to(root)))
    return found


def git_status(root: Path) -> str | None:
    """``git status --porcelain`` of the working tree (None outside a git checkout)."""
    if not shutil.which("git"):
        return None
    result = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def render(root: Path) -> tuple[int, str, float]:
    """One plain ``quarto render`` of every format; returns its exit code, log and wall time."""
    env = dict(os.environ)
    env.setdefault("QUARTO_PYTHON", sys.executable)
    started = time.perf_counter()
    proc = subprocess.run(["quarto", "render"], cwd=root, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    return proc.returncode, proc.stdout, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw7.report.render_check", description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, help="check this saved render log and the existing output instead of rendering")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="project folder (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    found: list[Problem] = []
    if args.log:
        log = args.log.read_text(errors="replace")
    else:
        if not shutil.which("quarto"):
            print("render check: quarto is not on PATH (install it from https://quarto.org/docs/get-started/)")
            return 2
        before = git_status(root)
        code, log, seconds = render(root)
        log_file = root / "logs" / "render.log"
        log_file.parent.mkdir(exist_ok=True)
        log_file.write_text(log)
        print(f"render check: quarto render exited {code} after {seconds:.0f} s; log in {log_file.relative_to(root)}")
        if code != 0:
            found.append(Problem("exit", f"quarto render exited with {code}"))
            print(log[-4000:])
        if (root / freeze_guard.FREEZE_DIR).exists() and not freeze_guard.is_current(root):
            found.append(Problem("stale-freeze", "_freeze/ does not match cache/, code/hw7/ and _quarto.yml"))
        after = git_status(root)
        if before is not None and after != before:
            changed = sorted(set(after.splitlines()) - set(before.splitlines()))
            found.append(Problem("dirty-tree", "the render changed the working tree: " + "; ".join(changed)))

    found += problems(log)
    found += check_outputs(root)
    for p in found:
        print(f"render check: {p}")
    allowed = sorted({why for line in log.splitlines() for pat, why in ALLOWED if pat.search(line)})
    for why in allowed:
        print(f"render check: allowed warning: {why}")
    print("render check: " + ("FAILED" if found else "OK") + f" ({len(found)} problems)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
