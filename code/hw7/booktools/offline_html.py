"""Make the HTML book work with no network (Quarto post-render script).

Quarto's HTML pages load MathJax from a CDN, and a polyfill script from another one, so a book opened
offline shows raw TeX. This script, run by Quarto after every render (``_quarto.yml``,
``post-render``), copies MathJax 3 (``tex-chtml-full.js`` and its fonts) from the
``django-static-mathjax`` package installed in the project's environment into
``_book/site_libs/mathjax/``, points every page's MathJax script at that copy by a relative path, and
drops the polyfill (MathJax 3 needs none in current browsers). MathJax rather than pandoc's MathML:
headless-Chromium screenshots with networking disabled showed Chromium's native MathML misplacing
primes and subscripts and depending on a math font installed on the reader's machine, while the
shipped MathJax typesets every formula the same everywhere (README, "Checking the rendered book").

``render_check`` fails on any page that still loads a script, style or font from another machine.
It imports only the standard library, because Quarto runs it as a plain script.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # code/hw7/booktools/offline_html.py -> the repository
OUT_DIR = "_book"
TARGET = Path("site_libs") / "mathjax"
SCRIPT = "tex-chtml-full.js"
FONTS = Path("output") / "chtml" / "fonts" / "woff-v2"

#: a <script> element loading MathJax from anywhere, and the polyfill Quarto adds beside it
MATHJAX_SRC = re.compile(r'(<script\b[^>]*\bsrc=")[^"]*?(tex-[\w-]+\.js)(")')
POLYFILL = re.compile(r'\s*<script\b[^>]*\bsrc="[^"]*polyfill[^"]*"[^>]*>\s*</script>')


def mathjax_dir(root: Path = ROOT) -> Path:
    """MathJax's ``es5`` folder inside the installed django-static-mathjax package (import name
    ``mathjax``); the project's .venv is searched too, for a Quarto that runs another Python."""
    candidates = []
    spec = importlib.util.find_spec("mathjax")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / "static" / "mathjax" / "es5" for p in spec.submodule_search_locations]
    candidates += sorted(root.glob(".venv/lib/python*/site-packages/mathjax/static/mathjax/es5"))
    for folder in candidates:
        if (folder / SCRIPT).is_file():
            return folder
    raise FileNotFoundError("MathJax not found: install the project (make install; package django-static-mathjax)")


def ship_mathjax(out_dir: Path, source: Path) -> None:
    """Copy the one MathJax bundle the pages use and its web fonts into the book."""
    target = out_dir / TARGET
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / SCRIPT, target / SCRIPT)
    shutil.copytree(source / FONTS, target / FONTS, dirs_exist_ok=True)
    license_file = source.parent / "LICENSE"
    if license_file.is_file():
        shutil.copy2(license_file, target / "LICENSE")


def localise(page_html: str, depth: int) -> str:
    """A page's HTML with MathJax loaded from the book's own copy (``depth``: folders below the
    book's root) and without the polyfill script."""
    local = "../" * depth + (TARGET / SCRIPT).as_posix()
    page_html = MATHJAX_SRC.sub(lambda m: m.group(1) + local + m.group(3), page_html)
    return POLYFILL.sub("", page_html)


def main(root: Path = ROOT) -> int:
    out_dir = root / OUT_DIR
    pages = sorted(out_dir.rglob("*.html")) if out_dir.exists() else []
    if not pages:
        return 0
    ship_mathjax(out_dir, mathjax_dir(root))
    changed = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        new = localise(text, len(page.relative_to(out_dir).parts) - 1)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    print(f"offline html: MathJax shipped in {OUT_DIR}/{TARGET.as_posix()}; {changed} pages load it from there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
