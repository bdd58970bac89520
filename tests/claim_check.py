"""The one assertion every claim test uses: it fails with the chapter's sentence, so a rerun that
flips a result tells the reader which sentence to rewrite."""

from __future__ import annotations


def claim(holds: bool, sentence: str) -> None:
    """Fail with the chapter's sentence when the evidence no longer says it."""
    assert holds, f"the cache no longer supports this sentence; rewrite it: “{sentence}”"
