"""The results cache: one JSON file per run, written atomically, checked on every read.

An entry is found by its run's key (``cache/<kind>/<key>.json``); it stores the config it was
computed from, the result, how it was computed (time, device, library versions, and the machine
fingerprint of :mod:`hw7.store.fingerprint`; entries written before it existed lack ``meta.machine``)
and a checksum of all of that. Reading verifies the checksum and the key, so a truncated, hand-edited or
misplaced file is reported — never silently used.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import stat
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable, cast

from hw7 import project, safe_io
from hw7.entry import Entry
from hw7.errors import CacheCorrupt, CacheMissing, CacheUnwritable
from hw7.sense import Nonsense
from hw7.specs import canonical_json, loads_strict
from hw7.store import fingerprint, schema
from hw7.store.registry import CODE_VERSION, Run

SCHEMA = 1


def cache_root() -> Path:
    """``$HW7_CACHE_DIR`` if set (tests, scratch reruns), else the ``cache/`` of the project the command
    runs in (:mod:`hw7.project`: the nearest enclosing folder with ``_quarto.yml`` and ``cache/``).

    A root that is a file (or lies under one) raises :class:`CacheUnwritable` here, so every command
    gives the same one-line verdict instead of some saying "missing" and others "CORRUPT"."""
    root = project.cache_dir()
    for folder in (root, *root.parents):  # the nearest thing that exists must be a folder
        if folder.exists():
            if not folder.is_dir():
                raise CacheUnwritable(f"the cache folder {root} is not a folder ({folder} is a file); "
                                      "point HW7_CACHE_DIR at a folder, or unset it to use cache/")
            break
    return root


def entry_path(run: Run, root: Path | None = None) -> Path:
    return (root or cache_root()) / run.kind / f"{run.key}.json"


def regenerate_hint(run: Run) -> str:
    return f"regenerate it with `python -m hw7 run {run.experiment} --force`"


def checksum(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "checksum"}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the numbers (only those already imported)."""
    versions = {"python": platform.python_version()}
    for name in ("numpy", "torch"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = module.__version__
    return versions


def produced_here(device: str = "cpu") -> dict[str, Any]:
    """How this process computes: library versions, platform and machine fingerprint (taken when a result is produced)."""
    return {"versions": library_versions(), "platform": platform.platform(terse=True),
            "machine": fingerprint.current(device)}  # what decides bit-identity (hw7.store.fingerprint)


def write_entry(run: Run, result: dict[str, Any], *, seconds: float, device: str = "cpu",
                root: Path | None = None, produced: dict[str, Any] | None = None) -> Path:
    """Store ``result`` for ``run``. A crash mid-write leaves the old entry (or none), never half a file.

    ``produced`` (:func:`produced_here` taken where the result was computed: a cluster's worker) describes the
    machine that computed it; default: this process."""
    where = produced if produced is not None else produced_here(device)
    entry: dict[str, Any] = {
        "schema": SCHEMA,
        "key": run.key,
        "kind": run.kind,
        "code_version": CODE_VERSION[run.kind],
        "experiment": run.experiment,
        "config": run.config,
        "result": result,
        "meta": {
            "seconds": round(float(seconds), 3),
            "device": device,
            "versions": where["versions"],
            "platform": where["platform"],
            "machine": where["machine"],
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    }
    entry["checksum"] = checksum(entry)
    path = entry_path(run, root)

    def dump(handle: IO[str]) -> None:
        json.dump(entry, handle, sort_keys=True, indent=1, allow_nan=True)
        handle.write("\n")

    atomic_write(path, dump)
    return path


def _umask() -> int:
    """The process's umask (read by setting and restoring it: the only portable way)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Replace ``path`` by what ``write(handle)`` writes, in one step: a crash, a kill or a full disk
    mid-write leaves the old file (or none), never half a file; a reader sees the old or the new text,
    never a torn one (temp file in the same folder, fsync, ``os.replace``).

    The file gets the mode an ordinary ``open()`` gives (0644 under umask 022), not ``mkstemp``'s 0600,
    so another account (an instructor's) can read the cache. An ``OSError`` becomes one
    :class:`CacheUnwritable` line."""
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CacheUnwritable(f"cannot write {path} ({exc.strerror or exc}); the previous file, if any, "
                                  "is unchanged — free space or fix the folder's permissions, then run again") from None
        raise


def check_writable(runs: "list[Run]", root: Path | None = None) -> None:
    """Fail before computing (minutes to hours of MNIST) when the results could not be saved: the cache
    folder and each run's kind folder must take a new file, and nothing but a file may sit where an
    entry goes. Tried by creating a temp file, so it holds for root too (who ignores permission bits)."""
    base = root or cache_root()
    for folder in sorted({base, *(base / r.kind for r in runs)}):
        try:
            safe_io.probe_writable(folder)
        except OSError as exc:
            raise CacheUnwritable(f"cannot save results in {folder} ({exc.strerror or exc}); nothing was computed — "
                                  f"make it writable (`chmod -R u+w {base}`) or point HW7_CACHE_DIR at a writable "
                                  "folder") from None
    for run in runs:
        path = entry_path(run, root)
        if path.exists() and not path.is_file():
            raise CacheUnwritable(f"{path} is not a file, so the result of a run of {run.experiment!r} cannot be saved "
                                  f"there; nothing was computed — remove it (`rm -r {path}`) and run again")


def read_file(path: Path) -> dict[str, Any]:
    """Parse, checksum and check one entry file for sense (:mod:`hw7.store.schema`, which also ties its kind
    and key to its path); any defect raises :class:`CacheCorrupt` naming the file. Only a regular file
    of bounded size is read (:mod:`hw7.safe_io`: never a FIFO or a device)."""
    try:
        entry = loads_strict(safe_io.read_text(path))
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise CacheCorrupt(f"cache entry {path} is a folder, not a file; remove it (`rm -r {path}`)") from None
    except (OSError, ValueError) as exc:  # JSONDecodeError, UnicodeDecodeError, DuplicateKey are ValueErrors
        raise CacheCorrupt(f"cache entry {path} is unreadable ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(entry, dict) or "checksum" not in entry:
        raise CacheCorrupt(f"cache entry {path} has no checksum: not a file this project wrote")
    if checksum(entry) != entry["checksum"]:
        raise CacheCorrupt(f"cache entry {path} fails its checksum (truncated or edited)")
    try:
        schema.check_entry(entry, Path(path))
    except Nonsense as exc:
        raise CacheCorrupt(f"cache entry {path} holds what no run can give ({exc})") from None
    return entry


def read_entry(run: Run, root: Path | None = None) -> Entry:
    """The verified entry for ``run``; clear errors when it is missing or damaged."""
    path = entry_path(run, root)
    try:
        entry = read_file(path)
    except FileNotFoundError:
        raise CacheMissing(
            f"no cached result for a run of {run.experiment!r} ({run.label}); "
            f"compute it with `python -m hw7 run {run.experiment}`"
        ) from None
    except CacheCorrupt as exc:
        raise CacheCorrupt(f"{exc}; {regenerate_hint(run)}") from None
    if entry.get("key") != run.key or entry.get("config") != run.config:
        raise CacheCorrupt(f"cache entry {path} holds another config than its name says; {regenerate_hint(run)}")
    return cast(Entry, entry)


#: the temp files this module makes: ``.{key or "summary"}.XXXXXXXX.tmp`` (atomic_write) and
#: ``.write-check.XXXXXXXX.tmp`` (check_writable); mkstemp's 8 characters are [a-z0-9_]
OWN_TEMP = re.compile(r"\.(?:[0-9a-f]{16}|summary|write-check)\.[a-z0-9_]{8}\.tmp")


def remove_stale_temp_files(root: Path | None = None) -> list[Path]:
    """Delete temp files left by a process of this project killed mid-write, and nothing else: only names
    this module makes (:data:`OWN_TEMP`), only regular files (never through a symlink), only in the cache
    folder and its kind folders that are real folders. Only files older than a minute: a write takes
    milliseconds, so a younger one may belong to another process writing right now."""
    cutoff = time.time() - 60
    base = root or cache_root()
    folders = [base] + [base / kind for kind in sorted(CODE_VERSION) if not (base / kind).is_symlink()]
    stale = []
    for folder in folders:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in filter(OWN_TEMP.fullmatch, names):
            try:
                st = os.lstat(folder / name)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_mtime < cutoff:
                (folder / name).unlink(missing_ok=True)
                stale.append(folder / name)
    return stale


def has_entry(run: Run, root: Path | None = None) -> bool:
    return entry_path(run, root).is_file()


def state(run: Run, root: Path | None = None) -> str:
    """One verdict per entry for every command: "cached", "missing" (nothing at its path) or "CORRUPT"
    (anything there that does not verify: a damaged or unreadable file, a folder)."""
    try:
        read_entry(run, root)
    except CacheMissing:
        return "missing"
    except CacheCorrupt:
        return "CORRUPT"
    return "cached"
