"""The render check's log parsing and output checks, on synthetic logs and a fake _book/ (no Quarto needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from hw7.booktools import render_check as rc  # noqa: E402

POPPLER = bool(shutil.which("pdftotext") and shutil.which("pdfinfo") and shutil.which("pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdfinfo, pdftoppm) not installed")

PARAGRAPH = ("Momentum is the fastest to get within a hundredth of the minimum and by far the most accurate, "
             "because its velocity accumulates gradients along the flat floor of the valley. ") * 2


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """An A4 PDF with one page per list of text lines (an empty list: a blank page)."""
    # full A4 pages whatever the style in force (hw7.present.plots sets savefig.bbox "tight")
    with matplotlib.rc_context({"savefig.bbox": "standard"}), PdfPages(path) as pdf:
        for lines in pages:
            fig = plt.figure(figsize=(8.27, 11.69))
            for i, line in enumerate(lines):
                fig.text(0.1, 0.88 - 0.02 * i, line, fontsize=9)
            pdf.savefig(fig)
            plt.close(fig)
    return path


def full_page() -> list[str]:
    """Lines down to the bottom margin (40 lines of 2 % of the height from 88 %)."""
    return [PARAGRAPH[i:i + 95] for i in range(0, len(PARAGRAPH), 95)] * 10

CLEAN_LOG = """\
[1/2] index.qmd
Starting python3 kernel...[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication (including code and outputs) is sent in plain text.
Done
Executing 'index.quarto_ipynb'
  Cell 1/1: 'tbl-headline'...Done
\x1b[33mWARN: typst-gather analyze failed; staging all packages as fallback: typst-gather binary not found.
Run ./configure.sh to build and install it.\x1b[39m
[typst]: Compiling index.typ to index.pdf...DONE
Output created: _book/index.html
"""


def test_clean_log_with_only_allowed_warnings_passes():
    assert rc.problems(CLEAN_LOG) == []


def test_pandoc_math_warning_is_reported():
    log = CLEAN_LOG + "[WARNING] Could not convert TeX math w_0^{15} = 2\\.08, rendering as TeX:\n"
    found = rc.problems(log)
    assert [p.kind for p in found] == ["warning"]
    assert "Could not convert TeX math" in found[0].detail


def test_quarto_warn_and_error_lines_are_reported():
    log = "\n".join([
        "\x1b[33mWARN (/work/report/p1.qmd:12:1) Unable to resolve crossref @fig-missing\x1b[39m",
        "WARNING: Duplicate label tbl-x",
        "ERROR: something failed",
        "warning: unknown font family: foo",
        "/x/y.py:3: UserWarning: Glyph 8321 missing from font(s) DejaVu Sans.",
        "Traceback (most recent call last):",
    ])
    assert len(rc.problems(log)) == 6


def test_words_that_only_look_like_warnings_pass():
    log = "  Cell 3/9: 'fig-warnings-demo'...Done\nthe divergence warning in the prose\nerrors are data\n"
    assert rc.problems(log) == []


def test_an_allowed_pattern_does_not_hide_other_warnings_on_other_lines():
    log = CLEAN_LOG + "WARN: typst-gather something else entirely\n"
    assert len(rc.problems(log)) == 1


def _fake_project(tmp_path: Path, *, html: str = "<p>see Figure 1.2</p>", pdf: bool = True) -> Path:
    (tmp_path / "_quarto.yml").write_text(
        "project:\n  type: book\n  output-dir: _book\nbook:\n  chapters:\n    - index.qmd\n    - report/a.qmd\n"
        "  appendices:\n    - report/b.qmd\n")
    book = tmp_path / "_book"
    (book / "report").mkdir(parents=True)
    for page in ("index.html", "report/a.html", "report/b.html"):
        (book / page).write_text(html)
    if pdf:
        if POPPLER:
            # a book as the word count finds its parts: Problem 1's chapter, then the first appendix
            write_pdf(book / "book.pdf", [["1 Problem 1: a chapter"] + full_page(),
                                          ["A Eight optimizers on MNIST"] + full_page()])
        else:
            (book / "book.pdf").write_bytes(b"%PDF-1.4\n")
    return tmp_path


@needs_poppler
def test_outputs_complete_and_resolved(tmp_path):
    assert rc.check_outputs(_fake_project(tmp_path)) == []


def test_missing_page_and_pdf_are_reported(tmp_path):
    root = _fake_project(tmp_path, pdf=False)
    (root / "_book" / "report" / "b.html").unlink()
    kinds = sorted(p.detail for p in rc.check_outputs(root) if p.kind == "missing")
    assert kinds == ["_book/*.pdf", "_book/report/b.html"]


def test_unresolved_crossref_in_html_is_reported(tmp_path):
    root = _fake_project(tmp_path, html="<p>as <strong>?@fig-p1-b</strong> shows</p>")
    found = [p for p in rc.check_outputs(root) if p.kind == "crossref"]
    assert len(found) == 3 and all("?@fig-p1-b" in p.detail for p in found)


@needs_poppler
def test_main_on_a_saved_log(tmp_path, capsys):
    root = _fake_project(tmp_path)
    log = tmp_path / "render.log"
    log.write_text(CLEAN_LOG)
    assert rc.main(["--log", str(log), "--root", str(root)]) == 0
    log.write_text(CLEAN_LOG + "[WARNING] Could not convert TeX math x\n")
    assert rc.main(["--log", str(log), "--root", str(root)]) == 1
    assert "FAILED" in capsys.readouterr().out


@needs_poppler
def test_page_budget_blank_and_near_empty_pages_are_reported(tmp_path):
    pdf = write_pdf(tmp_path / "b.pdf", [full_page(), [], full_page()[:2], full_page()])
    found = rc.check_pdf(pdf, "b.pdf", budget=3, count=False)
    assert [p.kind for p in found] == ["pages", "blank-page", "near-empty-page"]
    assert "4 pages" in found[0].detail and "page 2 " in found[1].detail and "page 3 " in found[2].detail
    assert rc.check_pdf(write_pdf(tmp_path / "ok.pdf", [full_page()] * 3), "ok.pdf", budget=3, count=False) == []


@needs_poppler
def test_a_hole_before_a_page_that_continues_the_chapter_is_reported(tmp_path):
    half = full_page()[:24]  # ends about half-way down: what a figure too tall for the rest of the page leaves
    found = rc.check_pdf(write_pdf(tmp_path / "h.pdf", [half, full_page()]), "h.pdf", count=False)
    assert [p.kind for p in found] == ["hole"] and "page 1 " in found[0].detail
    # the same page before a new chapter, or as the last page, is a chapter's natural end
    assert rc.check_pdf(write_pdf(tmp_path / "c.pdf", [half, ["Chapter 2", *full_page()]]), "c.pdf", count=False) == []
    assert rc.check_pdf(write_pdf(tmp_path / "e.pdf", [full_page(), half]), "e.pdf", count=False) == []


@needs_poppler
def test_text_glitches_in_the_pdf_are_reported(tmp_path):
    lines = full_page()[:30] + ["the same as np.int64(8) seeds", "a change of -0.00 points", "wave 1′s last row",
                           "Problem 2(a)‘s set-up", "Chapter 1. compares the optimizers"]
    found = rc.check_pdf(write_pdf(tmp_path / "g.pdf", [lines]), "g.pdf", count=False)
    assert [p.kind for p in found] == ["text"] * 5


@pytest.mark.parametrize("text", [
    "ends at np.int64(8) of 8", "np.float64(0.5)", "changed by −0.00 points", "(-0.00, within noise)",
    "wave 1´s last row", "Problem 2′s best", "Problem 2(a)‘s set-up", "Problem 2's best",
    "Chapter 1. compares", "(Appendix A.)", "Section 2.1. shows", "96.79\\xa0% ± 0.18", "p&nbsp;= 0.12",
])
def test_each_glitch_is_caught(text):
    assert len(rc.text_glitches(text, "x")) == 1, text


@pytest.mark.parametrize("text", [
    "ends at 8 of 8", "changed by 0.00 points", "−0.04 and -0.25 and 10.00", "wave 1’s last row",
    "Problem 2(a)’s set-up", "as Chapter 1 compares", "(Appendix A)", "see Appendix D. The runs",
    "‘best’ names the rate", "11.35 % ± 0.00",
])
def test_correct_text_passes(text):
    assert rc.text_glitches(text, "x") == [], text


def test_external_scripts_styles_and_fonts_are_found_but_links_are_not():
    page = """<html><head>
    <script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js"></script>
    <script src="../site_libs/mathjax/tex-chtml-full.js"></script>
    <link rel="stylesheet" href="//fonts.googleapis.com/css2?family=Source">
    <link rel="next" href="https://example.org/next.html">
    <style>@import"https://fonts.googleapis.com/css2?x";</style>
    </head><body><p>See <a href="https://arxiv.org/abs/1412.6980">Adam</a>.</p>
    <pre><code>np.int64(8)</code></pre></body></html>"""
    assert rc.external_loads(page) == ["https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js",
                                       "//fonts.googleapis.com/css2?family=Source", "https://fonts.googleapis.com/css2?x"]
    assert "np.int64" not in rc.page_text(page) and "Adam" in rc.page_text(page)


def test_an_external_font_in_a_style_sheet_of_the_book_is_reported(tmp_path):
    root = _fake_project(tmp_path)
    css = root / "_book" / "site_libs" / "bootstrap" / "theme.min.css"
    css.parent.mkdir(parents=True)
    css.write_text('@import"https://fonts.googleapis.com/css2?family=Source+Sans+Pro";body{color:#000}')
    found = [p for p in rc.check_html_offline(root / "_book", root)]
    assert [p.kind for p in found] == ["external"] and "theme.min.css" in found[0].detail
    css.write_text("body{font-family:system-ui,sans-serif}")
    assert rc.check_html_offline(root / "_book", root) == []


def test_word_budget_counts_problems_and_leaves_out_the_contents():
    title = "Homework 7\nContents\nPreface 1\n1 Problem 1: three optimizers 3\nA Eight optimizers on MNIST 20\n"
    preface = "Preface\nThis book answers Homework 7 (we think).\n"
    problems = "1 Problem 1: three optimizers\n" + "word " * 50 + "\n3 Problem 3: deep\n" + "x = 1 , . — 10⁻⁴\n"
    appendix = "A Eight optimizers on MNIST\nsummary words here\n"
    count = rc.count_words([title, preface, problems, appendix])
    assert count.problems == 5 + 50 + 4 + 3  # "=", ",", "." and "—" hold no letter or digit: not words
    assert count.total == 8 + count.problems + 8 and count.we_think == 1
    assert rc.check_words(count, "b.pdf") == []
    many = rc.count_words([preface * 4, problems, appendix])
    assert [p.kind for p in rc.check_words(many, "b.pdf")] == ["words"]  # 'we think' 4 times
    missing = rc.count_words(["no chapters here"])
    assert missing.problems is None and rc.check_words(missing, "b.pdf")


def test_word_budgets_are_the_issues():
    assert (rc.PAGE_BUDGET, rc.WORD_BUDGET, rc.PROBLEMS_WORD_BUDGET, rc.WE_THINK_BUDGET) == (22, 10_000, 7_000, 3)
    over = rc.WordCount(total=10_001, problems=7_001, we_think=0)
    assert len(rc.check_words(over, "b.pdf")) == 2
