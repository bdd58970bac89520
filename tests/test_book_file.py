"""The PDF's file name carries the student's name, which is set in one place (the book's author in _quarto.yml);
the HTML book links to the PDF; `make report` names both outputs."""

from __future__ import annotations

import re

import pytest
import yaml

from hw7 import REPO_ROOT
from hw7.booktools import book_file as bf


@pytest.mark.parametrize("author, name", [
    ([{"name": "Ada Lovelace", "affiliation": "CS 101"}], "Homework-7-Ada-Lovelace"),
    ("José Núñez-Ruiz", "Homework-7-Jose-Nunez-Ruiz"),
    (["Ada Lovelace", {"name": {"given": "Alan", "family": "Turing"}}], "Homework-7-Ada-Lovelace_Alan-Turing"),
    ([{"name": "Lovelace, Ada (2nd)"}], "Homework-7-Lovelace-Ada-2nd"),
    ([{"name": "李雷"}], "Homework-7-李雷"),
    ([], "Homework-7"),
])
def test_the_pdf_name_is_made_from_the_author(author, name):
    assert bf.output_file({"book": {"author": author}}) == name


def _project(tmp_path, name: str):
    config = yaml.safe_load((REPO_ROOT / "_quarto.yml").read_text())
    config["book"]["author"][0]["name"] = name
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    return tmp_path


def test_the_pre_render_step_writes_the_name_into_the_included_metadata_file(tmp_path):
    root = _project(tmp_path, "Ada Lovelace")
    assert bf.pre(root) == "book file: the PDF is _book/Homework-7-Ada-Lovelace.pdf"
    generated = yaml.safe_load((root / bf.GENERATED).read_text())
    assert generated == {"book": {"output-file": "Homework-7-Ada-Lovelace"}}
    _project(tmp_path, "Grace Hopper")
    bf.pre(root)
    assert "Grace-Hopper" in (root / bf.GENERATED).read_text()
    (root / "_book").mkdir()
    (root / "_book" / "Homework-7-Grace-Hopper.pdf").write_bytes(b"%PDF")
    assert bf.paths(root).splitlines() == [
        "HTML book: _book/index.html  (open it in a browser; search works from disk too)",
        "PDF:       _book/Homework-7-Grace-Hopper.pdf  (the file to hand in)"]


def test_the_project_wires_it_up():
    """_quarto.yml runs the step before a render and includes its output; git ignores that file; the HTML links
    to the PDF; `make report` ends by naming both outputs; the README says what to hand in."""
    config = yaml.safe_load((REPO_ROOT / "_quarto.yml").read_text())
    assert "code/hw7/booktools/book_file.py pre" in config["project"]["pre-render"]
    assert bf.GENERATED in config["metadata-files"]
    assert "output-file" not in config["book"]  # the name lives in book.author alone
    assert "pdf" in config["book"]["downloads"]
    assert f"/{bf.GENERATED}" in (REPO_ROOT / ".gitignore").read_text().splitlines()
    assert "book_file.py paths" in (REPO_ROOT / "Makefile").read_text()
    readme = (REPO_ROOT / "README.md").read_text()
    assert "## What to hand in" in readme
    assert re.search(r"_book/Homework-7-\S+\.pdf", readme)
