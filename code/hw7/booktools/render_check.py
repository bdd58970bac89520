"""Render the book with Quarto and fail on anything a reader would stumble on.

``python -m hw7.booktools.render_check`` (or ``make render-check``) runs one plain ``quarto render`` (HTML and
PDF together: separate ``--to`` runs delete each other's output) and fails when

* the log has a warning (Quarto, pandoc, typst, the Jupyter kernel) that is not on the short,
  commented allow-list below — a warning is a defect until it is explained there;
* an output has an unresolved cross-reference (Quarto prints ``?@label`` for those);
* an expected output file is missing (every chapter's HTML page and the PDF);
* the PDF has more than :data:`PAGE_BUDGET` pages, or a blank or near-empty page (``pdftotext`` per
  page, ``pdftoppm`` for how much of a sparse page is filled; poppler-utils), or a page that leaves more
  than :data:`MAX_BOTTOM_GAP` of its height empty although the chapter goes on (a float that moved on);
* an HTML page of the book loads anything from another machine: a script, style sheet or font by
  an ``http(s)://`` or ``//`` URL (the book must work offline; links to papers are fine);
* the PDF's or the HTML's text has one of the :data:`GLITCHES` (a NumPy repr, a negative zero, a
  wrong apostrophe, a stray full stop after a chapter reference);
* the render changed the git working tree (Quarto edits ``.gitignore`` when its lines are missing);
* ``_freeze/`` does not match the inputs it was rendered from (see :mod:`hw7.booktools.freeze_guard`);
* an offline reader cannot search the book or follow its contents from disk, or the preface scrolls
  sideways on a 400 px screen (headless Chromium, :mod:`hw7.booktools.browser_check`, where installed).

``--log FILE`` checks a saved log and the existing ``_book/`` instead of rendering. The log parser,
:func:`problems`, is a plain function of the text so the tests can feed it synthetic logs.
"""

from __future__ import annotations

import argparse
import html.parser
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import yaml

from hw7 import REPO_ROOT
from hw7.booktools import browser_check, freeze_guard

#: Log lines that report a problem. Quarto writes "WARN:"/"WARNING:"/"ERROR:", pandoc "[WARNING]",
#: typst "warning:"/"error:", Python loggers "WARNING |" and tracebacks "...Warning:".
PROBLEM = re.compile(
    r"(\[WARNING\]|\bWARN(ING)?\b|\bERROR\b|^\s*(warning|error)(\[\w+\])?:|\w+Warning:|Traceback \(most recent call last\))",
    re.MULTILINE,
)

#: Explained warnings: (pattern, why it is harmless). Keep this list short; add nothing unexplained.
ALLOWED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"WARN: typst-gather analyze failed; staging all packages as fallback"),
     "the course machines' offline Quarto bundle (../shared/tools/quarto, built from Quarto's source) lacks "
     "Quarto's typst-gather helper, which the quarto.org releases include; the './configure.sh' it names is "
     "Quarto's own build script (src/core/typst-gather.ts), not this project's. Quarto then stages all its "
     "bundled typst packages instead of the few the PDF imports; the PDF is the same (README, What to hand in)"),
    (re.compile(r"\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption"),
     "ipykernel >= 7 notes that the Jupyter kernel Quarto starts talks over unencrypted ZMQ sockets; "
     "they listen on 127.0.0.1 only, and Quarto chooses the transport, not the project. `make report` and "
     "`make render-check` install partials/ipython_kernel_config.py into .venv, which drops the line; it "
     "shows only in an environment without that file"),
]

#: Quarto writes an unresolved cross-reference as "?@label" in the output.
UNRESOLVED = re.compile(r"\?@[\w:-]+")

#: The PDF is the submission a grader reads in one sitting (issue 25): at most this many pages, and at most
#: WORD_BUDGET words in all, PROBLEMS_WORD_BUDGET of them in Problems 1-3 (the contents page not counted).
PAGE_BUDGET = 22
WORD_BUDGET = 10_000
PROBLEMS_WORD_BUDGET = 7_000
#: "We think" marks what we could not measure; the PDF allows it this often.
WE_THINK_BUDGET = 3
#: Where Problems 1-3 start and end in the PDF's text: the first chapter's title line, and the first
#: appendix's (the lines of the contents page are not counted, so these are the headings themselves).
PROBLEMS_START = re.compile(r"^\s*(?:Chapter\s+)?(?:1\s+)?Problem 1:", re.M)
PROBLEMS_END = re.compile(r"^\s*(?:Appendix\s+)?(?:A\s+)?Eight optimizers on MNIST", re.M)
#: A page whose body (between the running header and the page number) has fewer characters is blank.
BLANK_CHARS = 40
#: A page with fewer body characters than this, on which ink covers less than NEAR_EMPTY_FILL of
#: the body's height (a figure counts as ink), is near-empty: a few lines left alone on a page.
NEAR_EMPTY_CHARS = 400
NEAR_EMPTY_FILL = 0.25
#: Share of the page height taken by the top and the bottom margin (running header, page number):
#: A4 with the 2.2 cm margins of _quarto.yml is 7.8 %; a little less keeps the body's edges in.
MARGIN_SHARE = 0.07
#: The most of a page's body height that may stay empty below its last line when the next page continues
#: the same chapter: more means a figure or table did not fit and moved on, leaving a hole.
MAX_BOTTOM_GAP = 0.15
#: The first line of a page that opens a chapter or appendix (typst's book template prints it there).
CHAPTER_START = re.compile(r"^\s*(?:Chapter\s+\d+|Appendix\s+[A-Z]|Preface)\s*$")

#: Text that should never reach a reader: (pattern, what it is and where the cause was fixed).
GLITCHES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bnp\.(?:u?int|float|bool|str)\w*\("),
     "a NumPy scalar's repr such as np.int64(8) in the text: format the number (int(), hw7.present.fmt)"),
    (re.compile(r"(?<![\w.])[−-]0\.0+(?![0-9])"),
     "a negative zero such as −0.00: a change that rounds to zero is 0.00 (hw7.present.fmt.signed)"),
    (re.compile(r"\w[´′]s\b|[)\]0-9]‘s\b|[A-Za-z0-9)]'s\b"),
     "a wrong apostrophe (´s, ′s, ‘s or a straight 's): typst's smart quotes guess after digits and "
     "brackets (filters/typst-typographic-quotes.lua)"),
    (re.compile(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|&nbsp;"),
     "an escaped character such as \\xa0 (Quarto writes an inline str through its repr, which escapes "
     "non-ASCII spaces) or a literal &nbsp;: use hw7.present.stats.NBSP"),
    (re.compile(r"\b(?:Chapter|Appendix|Section)\s+[0-9A-Z]+(?:\.[0-9]+)*\.(?=\s*[a-z(),;:)])"),
     "a full stop after a chapter, appendix or section reference (Chapter 1. compares): heading numbers "
     "without a trailing dot (partials/typst-show.typ)"),
]


@dataclass(frozen=True)
class Problem:
    kind: str  # "warning", "crossref", "missing", "dirty-tree", "stale-freeze", "exit", "pages", "blank-page",
    #            "near-empty-page", "pdf", "external", "text", "browser"
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
            source = page.read_text(errors="replace")
            found += unresolved_refs(source, str(page.relative_to(root)))
            found += text_glitches(page_text(source), str(page.relative_to(root)))
    pdfs = sorted(out_dir.glob("*.pdf"))
    if not pdfs:
        found.append(Problem("missing", f"{out_dir.relative_to(root)}/*.pdf"))
    for pdf in pdfs:
        found += check_pdf(pdf, str(pdf.relative_to(root)))
    if out_dir.exists():
        found += check_html_offline(out_dir, root)
    return found


def text_glitches(text: str, where: str) -> list[Problem]:
    """Every :data:`GLITCHES` match in ``text``, with a few characters around it."""
    found = []
    for pattern, why in GLITCHES:
        for m in pattern.finditer(text):
            context = " ".join(text[max(0, m.start() - 25):m.end() + 25].split())
            found.append(Problem("text", f"{where}: '{context}': {why}"))
    return found


def _pdfinfo_field(pattern: str, info: str) -> tuple[str, ...]:
    """The groups of ``pattern`` in pdfinfo's output; a missing line is named rather than met as None later."""
    match = re.search(pattern, info, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"pdfinfo printed no line matching {pattern!r}:\n{info}")
    return match.groups()


def pdf_pages(pdf: Path) -> list[str]:
    """The body text of each page of ``pdf`` (pdftotext, running header and page number cropped)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(_pdfinfo_field(r"^Pages:\s+(\d+)", info)[0])
    width, height = map(float, _pdfinfo_field(r"^Page size:\s+([\d.]+) x ([\d.]+)", info))
    margin = MARGIN_SHARE * height
    out = []
    for n in range(1, pages + 1):
        crop = ["-x", "0", "-y", f"{margin:.0f}", "-W", f"{width:.0f}", "-H", f"{height - 2 * margin:.0f}"]
        out.append(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), *crop, str(pdf), "-"],
                                  capture_output=True, text=True).stdout)
    return out


def inked_rows(pdf: Path, page: int) -> list[bool] | None:
    """For each pixel row of the page's body (margins cropped), whether it carries any ink (text or
    figure), from a 20 dpi grey rendering; None without pdftoppm."""
    if not shutil.which("pdftoppm"):
        return None
    pgm = subprocess.run(["pdftoppm", "-gray", "-r", "20", "-f", str(page), "-l", str(page), str(pdf)],
                         capture_output=True).stdout
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    if not m:
        return None
    w, h = int(m.group(1)), int(m.group(2))
    pixels = pgm[m.end():m.end() + w * h]
    top, bottom = round(MARGIN_SHARE * h), h - round(MARGIN_SHARE * h)
    return [min(pixels[r * w:(r + 1) * w]) < 200 for r in range(top, bottom)]


def ink_fill(pdf: Path, page: int) -> float | None:
    """Share of the page body's pixel rows that carry any ink; None without pdftoppm."""
    rows = inked_rows(pdf, page)
    return None if rows is None else sum(rows) / max(len(rows), 1)


def bottom_gap(pdf: Path, page: int) -> float | None:
    """Share of the page body's height below its last inked row; None without pdftoppm."""
    rows = inked_rows(pdf, page)
    if not rows:
        return None
    last = max((r for r, ink in enumerate(rows) if ink), default=-1)
    return (len(rows) - 1 - last) / len(rows)


def starts_chapter(text: str) -> bool:
    """Whether a page's body text (see :func:`pdf_pages`) opens a chapter, an appendix or the preface."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return bool(CHAPTER_START.match(first))


def holes(pdf: Path, pages: list[str], where: str, skip: Collection[int] = ()) -> list[Problem]:
    """Pages whose chapter goes on overleaf but which leave more than MAX_BOTTOM_GAP of their body empty
    (``skip``: page numbers already reported as blank or near-empty)."""
    found = []
    for n in range(1, len(pages)):
        if n in skip or starts_chapter(pages[n]):
            continue
        gap = bottom_gap(pdf, n)
        if gap is not None and gap > MAX_BOTTOM_GAP:
            found.append(Problem("hole", f"{where}: page {n} leaves {gap:.0%} of its height empty at the bottom "
                                         "while its chapter goes on (a figure or table moved to the next page?)"))
    return found


def words(text: str) -> int:
    """Words as the budget counts them: whitespace-separated tokens holding a letter or a digit (what
    ``pdftotext FILE - | tr -s '[:space:]' '\\n' | grep -c '[[:alnum:]]'`` counts)."""
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


@dataclass(frozen=True)
class WordCount:
    """The PDF's words without its contents page(s): all, and those of Problems 1-3 (None if not found)."""

    total: int
    problems: int | None
    we_think: int

    def __str__(self) -> str:
        p = "not found" if self.problems is None else f"{self.problems:,}"
        return f"{self.total:,} words (Problems 1-3: {p}), 'we think' {self.we_think} times"


def count_words(page_texts: list[str]) -> WordCount:
    """Count the words of whole pages (pdftotext's text of each page), leaving out the contents page(s)."""
    body = "\n".join(t for t in page_texts if not re.search(r"^\s*Contents\s*$", t, re.M))
    start, end = PROBLEMS_START.search(body), PROBLEMS_END.search(body)
    problems = words(body[start.start():end.start()]) if start and end and start.start() < end.start() else None
    return WordCount(words(body), problems, len(re.findall(r"\bwe think\b", body, re.I)))


def full_pages(pdf: Path) -> list[str]:
    """Each page's whole text (pdftotext separates pages with form feeds)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    return text.split("\f")


def check_words(count: WordCount, where: str) -> list[Problem]:
    found = []
    if count.total > WORD_BUDGET:
        found.append(Problem("words", f"{where}: {count.total:,} words, over the budget of {WORD_BUDGET:,}"))
    if count.problems is None:
        found.append(Problem("words", f"{where}: the chapters of Problems 1-3 were not found to count their words"))
    elif count.problems > PROBLEMS_WORD_BUDGET:
        found.append(Problem("words", f"{where}: Problems 1-3 have {count.problems:,} words, over the budget of "
                                      f"{PROBLEMS_WORD_BUDGET:,}"))
    if count.we_think > WE_THINK_BUDGET:
        found.append(Problem("words", f"{where}: 'we think' {count.we_think} times, over {WE_THINK_BUDGET}"))
    return found


def check_pdf(pdf: Path, where: str, *, budget: int = PAGE_BUDGET, count: bool = True) -> list[Problem]:
    """The PDF's page and word budgets (``count=False``: pages only, for a PDF that is not the book), its blank
    and near-empty pages, and the glitches in its text."""
    if not (shutil.which("pdftotext") and shutil.which("pdfinfo")):
        return [Problem("missing", "pdftotext/pdfinfo (poppler-utils) are needed to check the PDF's pages")]
    try:
        pages = pdf_pages(pdf)
    except (AttributeError, ValueError):
        return [Problem("pdf", f"{where}: poppler cannot read it")]
    found = []
    if len(pages) > budget:
        found.append(Problem("pages", f"{where}: {len(pages)} pages, over the budget of {budget}"))
    for n, text in enumerate(pages, start=1):
        chars = len("".join(text.split()))
        if chars < BLANK_CHARS:
            found.append(Problem("blank-page", f"{where}: page {n} is blank ({chars} characters)"))
        elif chars < NEAR_EMPTY_CHARS:
            fill = ink_fill(pdf, n)
            if fill is not None and fill < NEAR_EMPTY_FILL:
                found.append(Problem("near-empty-page",
                                     f"{where}: page {n} is near-empty ({chars} characters, {fill:.0%} of its height used)"))
    found += holes(pdf, pages, where, skip={int(m) for p in found for m in re.findall(r"page (\d+) is", p.detail)})
    if count:
        counted = count_words(full_pages(pdf))
        print(f"render check: {where}: {len(pages)} pages, {counted}")
        found += check_words(counted, where)
    text = "\n".join(pages)
    found += unresolved_refs(text, where)
    found += text_glitches(text, where)
    return found


class _PageScan(html.parser.HTMLParser):
    """An HTML page's reader-visible text (no code, scripts or styles) and the URLs it loads."""

    SKIP = {"script", "style", "pre", "code"}
    LOADING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "manifest"}
    CSS_URL = re.compile(r"""(?:@import\s*(?:url\()?|url\()\s*["']?([^"')\s;]+)""")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.loads: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in {"script", "img", "iframe", "audio", "video", "source", "embed", "track"} and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and self.LOADING_RELS & set(a.get("rel", "").lower().split()) and a.get("href"):
            self.loads.append(a["href"])
        if a.get("style"):
            self.loads += self.CSS_URL.findall(a["style"])
        if tag in self.SKIP:
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if self._skipping and self._skipping[-1] == "style":
            self.loads += self.CSS_URL.findall(data)
        elif not self._skipping:
            self.text.append(data)


def is_external(url: str) -> bool:
    return bool(re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", url, re.IGNORECASE)) and not url.strip().lower().startswith("file:")


def external_loads(html_text: str) -> list[str]:
    """The URLs on another machine that an HTML page loads (scripts, style sheets, fonts, images)."""
    scan = _PageScan()
    scan.feed(html_text)
    return [u for u in scan.loads if is_external(u)]


def page_text(html_text: str) -> str:
    """The text a reader sees on an HTML page, without code, scripts and styles."""
    scan = _PageScan()
    scan.feed(html_text)
    return " ".join(scan.text)


def check_html_offline(out_dir: Path, root: Path) -> list[Problem]:
    """Every external URL that a page or a style sheet of the HTML book loads."""
    found = []
    for page in sorted(out_dir.rglob("*.html")):
        for url in external_loads(page.read_text(errors="replace")):
            found.append(Problem("external", f"{page.relative_to(root)} loads {url}"))
    for sheet in sorted(out_dir.rglob("*.css")):
        for url in _PageScan.CSS_URL.findall(sheet.read_text(errors="replace")):
            if is_external(url):
                found.append(Problem("external", f"{sheet.relative_to(root)} loads {url}"))
    return found


def browser_problems(root: Path) -> list[Problem]:
    """What an offline reader meets in headless Chromium (:mod:`hw7.booktools.browser_check`): search and the
    contents from disk, the preface on a phone. Skipped, saying so, where Chromium is not installed."""
    out_dir, _ = expected_outputs(root)
    if not (out_dir / "index.html").exists() or not (out_dir / "search.json").exists():
        return []
    if browser_check.chromium() is None:
        print("render check: chromium is not installed (apt-get install chromium): the offline reader's checks "
              "(search and contents from disk, phone width) are skipped")
        return []
    return [Problem("browser", p) for p in browser_check.check(out_dir)]


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
    parser = argparse.ArgumentParser(prog="python -m hw7.booktools.render_check", description=__doc__.splitlines()[0])
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
            found.append(Problem("stale-freeze", "_freeze/ is out of date for " + ", ".join(freeze_guard.stale(root))))
        after = git_status(root)
        if before is not None and after is not None and after != before:
            changed = sorted(set(after.splitlines()) - set(before.splitlines()))
            found.append(Problem("dirty-tree", "the render changed the working tree: " + "; ".join(changed)))

    found += problems(log)
    found += check_outputs(root)
    found += browser_problems(root)
    for p in found:
        print(f"render check: {p}")
    allowed = sorted({why for line in log.splitlines() for pat, why in ALLOWED if pat.search(line)})
    for why in allowed:
        print(f"render check: allowed warning: {why}")
    print("render check: " + ("FAILED" if found else "OK") + f" ({len(found)} problems)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
