"""What every command prints first: one line on stderr naming the project and cache it reads (issue 27).

Tests that check a command's stderr (one-line errors, progress) look at what follows that line."""

from __future__ import annotations

import re

#: the first line: ``hw7: cache DIR (...)``, or for ``diff`` the two paths / the git revision it compares
HEADER = re.compile(r"^hw7: (cache \S|comparing \S|cache/summary\.json at git revision \S)")


def after_header(err: str) -> str:
    """``err`` without its first line, after checking that the line names what the command reads."""
    lines = err.strip().splitlines()
    assert lines and HEADER.match(lines[0]), f"stderr does not start by naming the cache it reads:\n{err}"
    return "\n".join(lines[1:]).strip()


def one_line(err: str) -> str:
    """The one line a failure prints (after the line naming the cache, where a command printed it), no traceback."""
    err = err.strip()
    if HEADER.match(err):
        err = after_header(err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err
