"""Reading a file that someone else may have put there: only a regular file, and only so much of it.

The cache, ``summary.json``, the benchmark files and the checkpoints are read by path. A FIFO at such
a path blocks a reader for ever, a symlink to ``/dev/zero`` or ``/dev/urandom`` never ends, and a huge
file exhausts memory. :func:`read_bytes` opens without blocking, checks what it opened (not the path,
which may change in between) and reads at most ``limit`` bytes.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

#: The largest file read: far above any entry (the largest committed one is under 0.5 MB).
MAX_BYTES = 64 * 2**20


class NotARegularFile(OSError):
    """The path names a FIFO, a device, a socket, or a file larger than the limit."""


def read_bytes(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The contents of the regular file at ``path`` (symlinks followed), at most ``limit`` bytes.

    Raises ``FileNotFoundError``, ``IsADirectoryError``, :class:`NotARegularFile` or another ``OSError``."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if not stat.S_ISREG(mode):
            raise NotARegularFile(errno.EINVAL, "not a regular file (a FIFO, device or socket)", str(path))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise NotARegularFile(errno.EFBIG, f"larger than {limit // 2**20} MiB", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: str | Path, limit: int = MAX_BYTES) -> str:
    """:func:`read_bytes` decoded as UTF-8 (``UnicodeDecodeError`` on anything else)."""
    return read_bytes(path, limit).decode("utf-8")


def is_regular_file(path: str | Path) -> bool:
    """Whether ``path`` is a regular file (through symlinks), without opening it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def probe_writable(folder: Path) -> None:
    """Create ``folder`` and a temp file in it, then remove the file: raises OSError where nothing can be saved.

    A real write, not a permission check, so it holds for root too (who ignores permission bits)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
    os.close(fd)
    os.unlink(probe)
