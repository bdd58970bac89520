"""The PDF's file name carries the student's name, set in one place: the book's author in _quarto.yml.

Quarto names a book's PDF after ``book: output-file:`` (else after the title). Writing the name there
too would put it in two places, so this pre-render script (``_quarto.yml``, ``pre-render``) derives
the file name from ``book: author:`` and writes it to :data:`GENERATED`, a metadata file that
_quarto.yml includes (``metadata-files``) and git ignores. Quarto reads the project's configuration
again after its pre-render scripts, so the PDF of the same render gets the name, and the HTML book's
download link (``book: downloads: [pdf]``) points at it.

``paths`` prints where the two outputs are (``make report`` ends with it). It imports only the
standard library and PyYAML (a project dependency), because Quarto runs it as a plain script.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]  # code/hw7/booktools/book_file.py -> the repository
GENERATED = "_book-file.yml"
PREFIX = "Homework-7"
OUT_DIR = "_book"


def author_names(config: dict[str, Any]) -> list[str]:
    """The book's authors as written: ``author: "A"``, ``- "A"``, ``- name: "A"`` or ``- name: {given, family}``."""
    authors = (config.get("book") or {}).get("author") or []
    names = []
    for author in authors if isinstance(authors, list) else [authors]:
        name = author.get("name", "") if isinstance(author, dict) else author
        if isinstance(name, dict):
            name = name.get("literal") or " ".join(str(name.get(k, "")) for k in ("given", "family"))
        if str(name).strip():
            names.append(str(name).strip())
    return names


def slug(name: str) -> str:
    """A file-name-safe form of a name: accents dropped, every run of other characters one dash
    (``José Núñez-Ruiz`` -> ``Jose-Nunez-Ruiz``); a name with no Latin letters keeps its own."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_name) or re.findall(r"\w+", name)
    return "-".join(words)


def output_file(config: dict[str, Any]) -> str:
    """The PDF's base name: ``Homework-7-Ada-Lovelace`` (authors joined by ``_``; ``Homework-7`` for none)."""
    names = "_".join(s for s in (slug(n) for n in author_names(config)) if s)
    return f"{PREFIX}-{names}" if names else PREFIX


def read_config(root: Path = ROOT) -> dict[str, Any]:
    return yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8")) or {}


def pre(root: Path = ROOT) -> str:
    """Write :data:`GENERATED` with the PDF's file name (only when it changed, so the file's time tells)."""
    name = output_file(read_config(root))
    text = (f"# Written by code/hw7/booktools/book_file.py before every render, from the book's author in\n"
            f"# _quarto.yml (the one place to set the name). Not committed; edit _quarto.yml instead.\n"
            f"book:\n  output-file: \"{name}\"\n")
    path = root / GENERATED
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return f"book file: the PDF is {OUT_DIR}/{name}.pdf"


def pdf_path(root: Path = ROOT) -> Path:
    return root / OUT_DIR / f"{output_file(read_config(root))}.pdf"


def paths(root: Path = ROOT) -> str:
    """Where the HTML book and the PDF (to hand in) are, for the end of ``make report``."""
    html, pdf = (p.relative_to(root).as_posix() for p in (root / OUT_DIR / "index.html", pdf_path(root)))
    return (f"HTML book: {html}  (open it in a browser; search works from disk too)\n"
            f"PDF:       {pdf}  (the file to hand in)")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "paths"
    if command == "pre":
        print(pre())
    elif command == "paths":
        if not pdf_path().exists():
            print(f"book file: {pdf_path().relative_to(ROOT).as_posix()} is missing: the render did not finish")
            return 1
        print(paths())
    else:
        print(f"usage: book_file.py [pre|paths] (got {command!r})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
