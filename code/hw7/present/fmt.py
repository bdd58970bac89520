"""How numbers read in the report's prose (inline expressions): one helper per kind of number."""

from __future__ import annotations

import math

from hw7.present.stats import NBSP

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(value: float, digits: int = 2) -> str:
    """``1.3 × 10⁻²``: for quantities that span decades (distances, learning rates)."""
    if value is None or not math.isfinite(value):
        return "not finite"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    if round(mantissa, digits - 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits - 1}f} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def plain(value: float, digits: int = 3) -> str:
    """``−4``, ``2.83``, ``9.6 × 10²¹``: a plain number in a table or prose, with a typographic minus;
    values beyond 10⁴ (or below 10⁻³) switch to :func:`sci`."""
    size = abs(value)
    if size and not 1e-3 <= size < 1e4:
        text = sci(size, digits - 1)
    else:  # 6073.4 -> "6073", never "6.07e+03"
        text = f"{size:.{digits}g}" if size < 10**digits else f"{round(size)}"
    return ("\u2212" if value < 0 else "") + text


def lr(value: float) -> str:
    """A learning rate as the homework writes it: ``10⁻⁴``, ``3.2 × 10⁻⁴``; ``1`` and ``3`` plainly."""
    if value >= 1:
        return f"{value:g}"
    exponent = round(math.log10(value))
    if math.isclose(value, 10**exponent, rel_tol=1e-9):
        return f"10{str(exponent).translate(_SUPERSCRIPT)}"
    return sci(value, 2)


def sci_tex(value: float, digits: int = 2) -> str:
    r"""``$1.3 \times 10^{-2}$``: :func:`sci` as math, so that a table or caption writes its powers as the
    prose's typeset ones do (and a table cell never breaks inside the number)."""
    text = sci(value, digits)
    if " × 10" not in text:
        return text
    mantissa, power = text.split(" × 10")
    exponent = power.translate({ord(u): d for u, d in zip("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")})
    return f"${mantissa} \\times 10^{{{exponent}}}$" if mantissa != "1.0" else f"$10^{{{exponent}}}$"


def lr_tex(value: float) -> str:
    """A learning rate as math: ``$10^{-4}$``, ``$3.2 \\times 10^{-4}$``."""
    text = lr(value)
    return sci_tex(value) if "×" in text else (f"$10^{{{round(math.log10(value))}}}$" if value < 1 else text)


def md(text: str) -> object:
    """Inline Markdown (math) for an inline expression: Quarto escapes a plain string's ``$``."""
    from IPython.display import Markdown

    return Markdown(text)


def msci(value: float, digits: int = 2) -> object:
    """:func:`sci_tex` for an inline expression in prose."""
    return md(sci_tex(value, digits))


def mlr(value: float) -> object:
    """:func:`lr_tex` for an inline expression in prose."""
    return md(lr_tex(value))


def steps(value: int) -> str:
    """``55,018``; a negative sentinel (never reached) reads as 'never'."""
    return "never" if value < 0 else f"{value:,}"


def pct(value: float, digits: int = 2) -> str:
    return f"{100 * value:.{digits}f} %"


def lr_short(value: float) -> str:
    """``1e-4``, ``3e-3``: a learning rate in a legend or axis title, where space is short."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def pm(band, digits: int = 2) -> str:
    """``94.30 % ± 0.12``: mean ± sd over seeds of an accuracy (anything with ``mean`` and ``sd``), with
    no-break spaces so that a line never breaks inside it."""
    return f"{100 * band.mean:.{digits}f}{NBSP}%{NBSP}±{NBSP}{100 * band.sd:.{digits}f}"


def pts(delta: float, digits: int = 2, *, sign: bool = True) -> str:
    """``+0.21``, ``−0.47``: a difference of two accuracies (fractions) in percentage points, with a
    typographic minus; never ``−0.00``. ``sign=False`` prints the size alone."""
    value = round(100 * delta, digits)
    if value == 0:
        return f"{0:.{digits}f}"
    text = f"{abs(value):.{digits}f}"
    return text if not sign else ("+" if value > 0 else "\u2212") + text


def p(value: float) -> str:
    """``p = 0.12``, ``p < 0.001``: a p-value in prose (the rule's format, :func:`hw7.present.stats.p_text`)."""
    from hw7.present.stats import p_text

    return p_text(value)


def p_at_most(value: float) -> str:
    """``p ≤ 0.004``: an upper bound on several p-values, rounded *up* at three decimals, so that
    the bound never reads smaller than the largest p it covers."""
    import math

    if value < 0.001:
        return f"p{NBSP}<{NBSP}0.001"
    return f"p{NBSP}≤{NBSP}{math.ceil(value * 1000 - 1e-9) / 1000:.3f}"


def num(value: float, digits: int = 2) -> str:
    """``0.85``: a plain number with fixed decimals (losses, factors, minutes)."""
    return f"{value:.{digits}f}"


def millions(count: int) -> str:
    """``1.29 million``: a parameter count in millions, two decimals, with a no-break space."""
    return f"{count / 1e6:.2f}{NBSP}million"


def signed(value: float, digits: int = 2) -> str:
    """``+0.26``, ``-0.25``, and ``0.00`` for a change that rounds to zero: a signed change that can
    never read "-0.00" (a difference of -0.004 is no decrease at this precision) or "+0.00"."""
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text


#: characters that mean something to pandoc's markdown (emphasis, code, links, math, citations, tables, raw
#: HTML): a backslash makes each literal; ``&``, ``<`` and ``>`` become HTML entities, so no tag survives
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]|$@~^#!"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def text(value: object) -> str:
    """Text from a cache entry (a platform, a library version) as literal markdown: ``<script>`` reads as
    those characters in the HTML and the PDF, never as a tag; ``_``, ``*``, ``|`` or ``$`` format nothing;
    a line break becomes a space (a table cell is one line)."""
    return " ".join(str(value).split()).translate(_MARKDOWN_SPECIAL)
