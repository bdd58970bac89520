"""The one assertion every claim test uses. It checks two things: that the chapter still has the
quoted sentence (so a sentence edited away, or out of the book, fails its test), and that the
evidence still says it (a rerun that flips a result tells the reader which sentence to rewrite)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: how a quote marks a gap: text left out ("…" or "..."), or a placeholder such as "[x]" or "[max p]"
GAP = re.compile(r"\s*(?:…|\.\.\.|\[[^\]]*\])\s*")
#: a number as the prose types it (``10⁻²``, ``3.0 × 10⁻⁴``, ``98.36 %``, ``1,600``): in a quote it also
#: matches an inline expression or inline math of the chapter, where such a number usually comes from
NUMBER = re.compile(r"[−-]?(?:\d[\d,.]* ?× ?)?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|[−-]?\d[\d,.]*(?: ?%)?")
#: the most characters a gap may span in the chapter (a quote stays within one passage)
SPAN = 600


def chapter_path(chapter: str) -> Path:
    """``index`` is the preface at the root; every other chapter is ``report/<chapter>.qmd``."""
    return ROOT / ("index.qmd" if chapter == "index" else f"report/{chapter}.qmd")


@lru_cache(maxsize=None)
def chapter_text(chapter: str) -> str:
    """The chapter's source as a reader sees its words: each inline expression (`` `{python} …` ``)
    and each piece of inline math (``$…$``) becomes "…", code and emphasis marks are dropped, and every run of
    whitespace is one space."""
    text = chapter_path(chapter).read_text(encoding="utf-8")
    text = re.sub(r"(?<!`)`\{python\} [^`]*`|\$[^$\n]+\$", "…", text)
    text = re.sub(r"(?<!`)`(?!`)", "", text)  # inline code reads as its words
    text = re.sub(r"(?<![*\w])[*_]{1,2}(?=\S)|(?<=\S)[*_]{1,2}(?![*\w])", "", text)
    return re.sub(r"\s+", " ", text)


def _pattern(sentence: str) -> re.Pattern[str]:
    """The quote as a pattern: its pieces in order, gaps spanning at most SPAN characters, each typed
    number also matching an inline expression ("…" in :func:`chapter_text`)."""
    pieces = [p for p in GAP.split(re.sub(r"\s+", " ", sentence).strip()) if p]
    parts = []
    for piece in pieces:
        out, at = [], 0
        for m in NUMBER.finditer(piece):
            out += [re.escape(piece[at:m.start()]), f"(?:{re.escape(m.group())}|…)"]
            at = m.end()
        parts.append("".join(out) + re.escape(piece[at:]))
    return re.compile(f".{{0,{SPAN}}}?".join(parts), flags=re.IGNORECASE)


def quoted(chapter: str, sentence: str) -> bool:
    """Whether ``sentence`` is in the chapter: its pieces between gaps (text left out, or a
    placeholder) appear in order within one passage, typed numbers standing for inline expressions."""
    return bool(GAP.sub("", sentence).strip()) and _pattern(sentence).search(chapter_text(chapter)) is not None


def claim(chapter: str, holds: bool, sentence: str) -> None:
    """Fail when ``report/<chapter>.qmd`` no longer has the sentence, or the evidence no longer says it."""
    assert quoted(chapter, sentence), f"{chapter_path(chapter).relative_to(ROOT)} no longer says “{sentence}”: " \
                                      "update the quote (and check the test still pins the new sentence)"
    assert holds, f"the cache no longer supports this sentence; rewrite it: “{sentence}”"


def cell_option(chapter: str, label: str, option: str) -> str:
    """The value of ``#| option:`` in the code cell labelled ``label`` of ``report/<chapter>.qmd``
    (captions are typed in the chapter; tests pin their facts to the findings)."""
    text = chapter_path(chapter).read_text(encoding="utf-8")
    cell = text.split(f"#| label: {label}\n", 1)[1].split("```", 1)[0]
    found = re.search(rf"^#\| {re.escape(option)}: \"?(.*?)\"?$", cell, flags=re.M)
    assert found, f"no {option} in cell {label} of {chapter_path(chapter).relative_to(ROOT)}"
    return found.group(1)
