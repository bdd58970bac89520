"""The claim helper itself: a quote must be in its chapter, and a gap or a typed number is read as
the chapter writes it (an inline expression or inline math)."""

from __future__ import annotations

import pytest

from claim_check import chapter_text, claim, quoted


def test_inline_expressions_and_math_read_as_gaps():
    text = chapter_text("p1-rosenbrock")
    assert "{python} fmt." not in text and "$" not in text and "\n" not in text
    assert quoted("p1-rosenbrock", "it is within 10⁻² of the minimum at step")   # $10^{-2}$ in the source
    assert quoted("p1-rosenbrock", "it is within … of the minimum at step")


def test_a_quote_the_chapter_lacks_fails_even_when_the_evidence_holds():
    assert not quoted("p1-rosenbrock", "it is within 10⁻² of the maximum at step")
    assert not quoted("p1-rosenbrock", "Momentum is both the fastest … heavy-ball")  # pieces must stay in one passage
    with pytest.raises(AssertionError, match="no longer says"):
        claim("p1-rosenbrock", True, "Momentum is the last to get within 10⁻²")


def test_an_empty_quote_pins_nothing():
    assert not quoted("p1-rosenbrock", "…")
