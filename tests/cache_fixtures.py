"""Helpers for tests that must get past the cache's own checks."""

from __future__ import annotations

import json

from hw7.store import cache


def tamper(path, edit) -> None:
    """Edit an entry and recompute its checksum: the cache then accepts it, so only a comparison of
    values (diff, verify) can tell."""
    entry = json.loads(path.read_text())
    edit(entry)
    entry["checksum"] = cache.checksum(entry)
    path.write_text(json.dumps(entry))
