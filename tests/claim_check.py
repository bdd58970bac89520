"""The one assertion every claim test uses: it fails with the chapter's sentence, so a rerun that
flips a result tells the reader which sentence to rewrite."""

from __future__ import annotations


def claim(holds: bool, sentence: str) -> None:
    """Fail with the chapter's sentence when the evidence no longer says it."""
    assert holds, f"the cache no longer supports this sentence; rewrite it: “{sentence}”"


def cell_option(chapter: str, label: str, option: str) -> str:
    """The value of ``#| option:`` in the code cell labelled ``label`` of ``report/<chapter>.qmd``
    (captions are typed in the chapter; tests pin their facts to the findings)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "report" / f"{chapter}.qmd").read_text(encoding="utf-8")
    cell = text.split(f"#| label: {label}\n", 1)[1].split("```", 1)[0]
    found = re.search(rf"^#\| {re.escape(option)}: \"?(.*?)\"?$", cell, flags=re.M)
    assert found, f"no {option} in cell {label} of report/{chapter}.qmd"
    return found.group(1)
