"""The render check's log parsing and output checks, on synthetic logs and a fake _book/ (no Quarto needed)."""

from __future__ import annotations

from pathlib import Path

from hw7.report import render_check as rc

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
        (book / "book.pdf").write_bytes(b"%PDF-1.4\n")
    return tmp_path


def test_outputs_complete_and_resolved(tmp_path):
    assert [p for p in rc.check_outputs(_fake_project(tmp_path)) if p.kind != "crossref"] == []


def test_missing_page_and_pdf_are_reported(tmp_path):
    root = _fake_project(tmp_path, pdf=False)
    (root / "_book" / "report" / "b.html").unlink()
    kinds = sorted(p.detail for p in rc.check_outputs(root) if p.kind == "missing")
    assert kinds == ["_book/*.pdf", "_book/report/b.html"]


def test_unresolved_crossref_in_html_is_reported(tmp_path):
    root = _fake_project(tmp_path, html="<p>as <strong>?@fig-p1-b</strong> shows</p>")
    found = [p for p in rc.check_outputs(root) if p.kind == "crossref"]
    assert len(found) == 3 and all("?@fig-p1-b" in p.detail for p in found)


def test_main_on_a_saved_log(tmp_path, capsys):
    root = _fake_project(tmp_path)
    log = tmp_path / "render.log"
    log.write_text(CLEAN_LOG)
    assert rc.main(["--log", str(log), "--root", str(root)]) == 0
    log.write_text(CLEAN_LOG + "[WARNING] Could not convert TeX math x\n")
    assert rc.main(["--log", str(log), "--root", str(root)]) == 1
    assert "FAILED" in capsys.readouterr().out
