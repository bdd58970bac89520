"""Compare two result sets metric by metric: the logic behind ``python -m hw7 diff`` (and ``verify``).

A *result set* is either a headline summary (``cache/summary.json``: a flat map of dotted metric
names to numbers or null) or a cache folder (one entry per run, matched by run key; each entry's
``result`` is flattened into fields such as ``final_dist``, ``first_step_below.1e-2`` or
``eval_acc``, a list compared element by element). Whether two values agree is decided by the
per-metric rules of :mod:`hw7.instructors.tolerances`.
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from hw7 import project, safe_io
from hw7.errors import CacheCorrupt, Hw7Error
from hw7.instructors.tolerances import (
    Difference,
    Series,
    Tolerance,
    brief,
    compare_values,
    is_number,
    recorded_later,
)
from hw7.specs import loads_strict
from hw7.store import cache

# ------------------------------------------------------------------------------------------------
# Flattening entries


def _scalar_list(v: Any) -> tuple[list[Any], tuple[int, ...]] | None:
    """A (nested) rectangular list of scalars, flattened; None for anything else."""
    if isinstance(v, Mapping):
        return None
    if not isinstance(v, list):
        return [v], ()
    if not v:
        return [], (0,)
    parts = [p for p in (_scalar_list(x) for x in v) if p is not None]
    if len(parts) != len(v) or len({p[1] for p in parts}) != 1:
        return None
    return [x for p in parts for x in p[0]], (len(v), *parts[0][1])


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted field names to scalars or :class:`Series` (lists of numbers, nested lists flattened)."""
    out: dict[str, Any] = {}
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list):
        flat = _scalar_list(obj)
        if flat is not None:
            out[prefix] = Series(*flat)
        else:
            for i, v in enumerate(obj):
                out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = obj
    return out


def compare_flat(a: Mapping[str, Any], b: Mapping[str, Any], tol: Tolerance, prefix: str = "") -> "Report":
    """Compare two flat maps (summaries, or flattened results), name by name."""
    report = Report()
    for name in sorted(set(a) | set(b)):
        label = f"{prefix}{name}"
        if tol.ignored(name) or ((name in a) != (name in b) and recorded_later(name)):
            report.ignored.append(label)
        elif name not in b:
            report.only_a.append(label)
            report.one_sided[label] = brief(a[name])
        elif name not in a:
            report.only_b.append(label)
            report.one_sided[label] = brief(b[name])
        else:
            diff, n = compare_values(name, a[name], b[name], tol)
            report.compared += n
            if diff is not None:
                diff.metric = prefix + diff.metric
                report.differences.append(diff)
    return report


# ------------------------------------------------------------------------------------------------
# Reports


@dataclass
class Report:
    a_label: str = "A"
    b_label: str = "B"
    compared: int = 0  # numbers compared
    differences: list[Difference] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    one_sided: dict[str, Any] = field(default_factory=dict)  # label -> its value, for metrics on one side only
    runs_compared: int | None = None  # cache folders only
    runs_only_a: list[str] = field(default_factory=list)
    runs_only_b: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.differences or self.only_a or self.only_b or self.runs_only_a or self.runs_only_b)

    def merge(self, other: "Report") -> None:
        self.compared += other.compared
        self.differences += other.differences
        self.only_a += other.only_a
        self.only_b += other.only_b
        self.ignored += other.ignored
        self.one_sided.update(other.one_sided)


def fmt_value(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        text = f"{v:.10g}"
        return text if any(c in text for c in ".ein") else text + ".0"  # 1.0 reads as a float, not the int 1
    return str(v)


def fmt_pair(a: Any, b: Any) -> tuple[str, str]:
    """Both values with as many significant digits as it takes to tell them apart (at least 7)."""
    if is_number(a) and is_number(b) and math.isfinite(a) and math.isfinite(b) and a != b \
            and isinstance(a, float) | isinstance(b, float):
        for digits in range(7, 18):
            fa, fb = f"{a:.{digits}g}", f"{b:.{digits}g}"
            if fa != fb:
                return fa, fb
    return fmt_value(a), fmt_value(b)


def _fmt_delta(v: float | None) -> str:
    return "" if v is None else f"{v:.3g}"


def format_table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return [line(header), line(["-" * w for w in widths]), *map(line, rows)]


def format_report(report: Report) -> str:
    out = [f"A: {report.a_label}", f"B: {report.b_label}"]
    if report.runs_compared is not None:
        out.append(f"runs: {report.runs_compared} in both, {len(report.runs_only_a)} only in A, "
                   f"{len(report.runs_only_b)} only in B")
    ignored = (f", {len(report.ignored)} perf/provenance metrics ignored (--include-perf compares timings)"
               if report.ignored else "")
    out.append(f"{len(report.differences)} metric(s) differ beyond tolerance, {len(report.only_a)} only in A, "
               f"{len(report.only_b)} only in B; {report.compared:,} numbers compared{ignored}")
    if report.differences:
        rows = [[d.metric, *fmt_pair(d.a, d.b), _fmt_delta(d.abs_diff), _fmt_delta(d.rel_diff), d.tolerance, d.detail]
                for d in report.differences]
        out += [""] + format_table(rows, ["metric", "A", "B", "|A-B|", "rel", "tolerance", "note"])
    for title, names in (("only in A", report.only_a), ("only in B", report.only_b),
                         ("runs only in A", report.runs_only_a), ("runs only in B", report.runs_only_b)):
        if names:
            out += ["", f"{title}:"] + [f"  {n} = {fmt_value(report.one_sided[n])}" if n in report.one_sided else f"  {n}"
                                         for n in names]
    if report.notes:
        out += [""] + [f"note: {n}" for n in report.notes]
    out += ["", "within tolerance" if report.ok else "DIFFERENT"]
    return "\n".join(out)


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)  # "nan", "inf", "-inf": strict JSON has no spelling for them
    return v


def strict_json(obj: Any) -> Any:
    """``obj`` with every non-finite float, at any depth (values, differences, ratios), as its string,
    so ``json.dumps(..., allow_nan=False)`` succeeds: what ``--json`` promises."""
    if isinstance(obj, dict):
        return {k: strict_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict_json(v) for v in obj]
    return _jsonable(obj)


def report_json(report: Report, sides: tuple[str, str] = ("a", "b")) -> dict[str, Any]:
    """The report as strict JSON data (non-finite numbers as the strings "nan", "inf", "-inf"). ``sides`` names
    the two sides in the keys (``hw7 diff``: "a"/"b"; ``verify``: "cached"/"recomputed")."""
    a, b = sides
    return strict_json({
        a: report.a_label, b: report.b_label, "equal": report.ok, "compared": report.compared,
        "differences": [{"metric": d.metric, a: _jsonable(d.a), b: _jsonable(d.b), "abs_diff": d.abs_diff,
                         "rel_diff": d.rel_diff, "tolerance": d.tolerance, "note": d.detail} for d in report.differences],
        f"only_{a}": {n: _jsonable(report.one_sided.get(n)) for n in report.only_a},
        f"only_{b}": {n: _jsonable(report.one_sided.get(n)) for n in report.only_b}, "ignored": report.ignored,
        "runs_compared": report.runs_compared, f"runs_only_{a}": report.runs_only_a, f"runs_only_{b}": report.runs_only_b,
        "notes": report.notes,
    })


# ------------------------------------------------------------------------------------------------
# Loading result sets


def parse_summary(text: str, where: str) -> dict[str, Any]:
    try:
        values = loads_strict(text)
    except ValueError as exc:  # invalid JSON, or a key named twice (its text and its value would differ)
        raise Hw7Error(f"{where} is not valid JSON ({exc}); rebuild it with `python -m hw7 summary`") from None
    if not isinstance(values, dict) or not all(isinstance(v, (int, float)) or v is None for v in values.values()):
        raise Hw7Error(f"{where} is not a flat map of metric names to numbers (is it a summary.json?)")
    return values


def load_summary(path: Path) -> dict[str, Any]:
    try:
        text = safe_io.read_text(path)  # a regular file of bounded size: never a FIFO or /dev/zero
    except FileNotFoundError:
        raise Hw7Error(f"{path} does not exist; pass a summary.json or a cache folder "
                       "(build a summary with `python -m hw7 summary`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Hw7Error(f"cannot read {path} ({exc.__class__.__name__}: {exc}); check the path and its permissions") from None
    return parse_summary(text, str(path))


def summary_at_rev(rev: str, path: str = "cache/summary.json", repo: Path | None = None) -> dict[str, Any]:
    """``path`` of the project ``repo`` (default: the one the command runs in, :mod:`hw7.project`) as committed
    at git revision ``rev`` (read with ``git show``; nothing is checked out). The path is taken relative to
    the project folder (``REV:./PATH``), so a project inside a larger repository reads its own file.

    ``diff`` promises never to write, so a revision that git would take as an option (``--output=FILE``
    writes a file) is refused; ``--end-of-options`` guards the same on gits that know it (2.24+)."""
    if not rev or rev.startswith("-") or any(c in rev for c in "\0\n") or not _utf8(rev):
        raise Hw7Error(f"{rev!r} is not a git revision (a revision never starts with '-' and is valid UTF-8); "
                       "name a commit, tag or branch, e.g. `--rev HEAD~1` (see `git log --oneline`)")
    try:
        proc = subprocess.run(["git", "-C", str(repo or project.root()), "show", "--end-of-options",
                               f"{rev}:./{path}"], capture_output=True)
    except OSError as exc:
        raise Hw7Error(f"cannot run git ({exc}); compare two files instead: `python -m hw7 diff OLD.json NEW.json`") from None
    if proc.returncode != 0:
        why = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["git show failed"])[-1]
        raise Hw7Error(f"cannot read {path} at revision {rev!r} ({why}); check the revision with `git log --oneline`")
    try:
        text = proc.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise Hw7Error(f"{path} at revision {rev!r} is not UTF-8 text (is it a summary.json?)") from None
    return parse_summary(text, f"{path} at revision {rev}")


def _utf8(text: str) -> bool:
    """False for a command-line argument that held bytes which are not UTF-8 (Python keeps them as surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def load_cache_dir(root: Path) -> dict[str, dict[str, Any]]:
    """Every entry under ``root/<kind>/*.json``, verified (checksum and sense), by its path's run key.

    Matched by where the file lies, which is where the book reads it: :func:`hw7.store.cache.read_file`
    demands that the key and kind inside a file agree with its path, so a decoy file holding another
    run's key is CORRUPT instead of standing in for the entry the book uses."""
    entries: dict[str, dict[str, Any]] = {}
    paths = sorted(Path(root).glob("*/*.json"))
    if not paths:
        raise Hw7Error(f"{root} holds no cache entries (KIND/KEY.json files); pass a cache folder such as cache/")
    for path in paths:
        try:
            entry = cache.read_file(path)
        except (CacheCorrupt, FileNotFoundError) as exc:  # a dangling symlink is damage too
            raise CacheCorrupt(f"{exc}; restore it (`git checkout -- {path}`) or delete it and recompute with "
                               "`python -m hw7 run EXPERIMENT`") from None
        entries[path.stem] = entry
    return entries


def _run_label(entry: Mapping[str, Any]) -> str:
    return f"{entry.get('experiment', '?')}/{entry.get('key', '?')}"


def compare_caches(a: Mapping[str, dict], b: Mapping[str, dict], tol: Tolerance) -> Report:
    """Runs matched by key; each shared run's result compared field by field."""
    report = Report()
    shared = sorted(set(a) & set(b), key=lambda k: (a[k].get("experiment", ""), k))
    report.runs_compared = len(shared)
    report.runs_only_a = sorted(_run_label(a[k]) for k in set(a) - set(b))
    report.runs_only_b = sorted(_run_label(b[k]) for k in set(b) - set(a))
    other_env = other_machine = other_data = 0
    for k in shared:
        ea, eb = a[k], b[k]
        other_data += _other_data(ea, eb)
        report.merge(compare_flat(flatten(ea.get("result", {})), flatten(eb.get("result", {})), tol,
                                  prefix=f"{_run_label(ea)}:"))
        ma, mb = ea.get("meta", {}), eb.get("meta", {})
        if (ma.get("versions"), ma.get("device")) != (mb.get("versions"), mb.get("device")):
            other_env += 1
        elif ma.get("machine") is None or ma.get("machine") != mb.get("machine"):
            other_machine += 1
    if other_env:
        report.notes.append(f"{other_env} shared run(s) were computed with other library versions or on another device")
    if other_data:
        report.notes.append(f"{other_data} shared run(s) were trained on other data (result.data_fingerprint "
                            "differs: another copy of MNIST, or labels changed); their numbers cannot be expected to agree")
    if other_machine:
        report.notes.append(f"{other_machine} shared run(s) were computed on other or unrecorded machines (meta.machine): "
                            "float32 results differ there at rounding level; `hw7 verify` judges them by machine")
    return report


def _other_data(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Both runs record the data they were trained on, and it differs (the field itself counts as a difference)."""
    fa, fb = (e.get("result", {}).get("data_fingerprint") for e in (a, b))
    return fa is not None and fb is not None and fa != fb


def resolve_side(arg: str) -> tuple[str, Path]:
    """``("summary" | "cache", path)`` for a command-line argument."""
    path = Path(arg)
    if path.is_dir():
        return "cache", path
    if path.is_file():
        return "summary", path
    raise Hw7Error(f"{arg} does not exist; pass a summary.json file or a cache folder")


def diff(a: str | None, b: str | None, *, rev: str | None = None, tol: Tolerance | None = None) -> Report:
    """What ``hw7 diff`` compares: two summaries, two cache folders, or ``rev``'s summary against one."""
    tol = tol or Tolerance()
    if rev is not None:
        if b is not None:
            raise Hw7Error("with --rev give at most one path (the other side is the summary at that revision)")
        target = Path(a) if a is not None else cache.cache_root() / "summary.json"
        if target.is_dir():
            target = target / "summary.json"
        report = compare_flat(summary_at_rev(rev), load_summary(target), tol)
        report.a_label, report.b_label = f"cache/summary.json at {rev}", str(target)
        return report
    if a is None or b is None:
        raise Hw7Error("give two summary.json files or two cache folders, or --rev REV (see `python -m hw7 diff -h`)")
    (kind_a, path_a), (kind_b, path_b) = resolve_side(a), resolve_side(b)
    if kind_a != kind_b:
        raise Hw7Error(f"cannot compare a {kind_a} with a {kind_b}: pass two files or two folders "
                       "(a cache folder's headline numbers are FOLDER/summary.json)")
    if kind_a == "summary":
        report = compare_flat(load_summary(path_a), load_summary(path_b), tol)
    else:
        report = compare_caches(load_cache_dir(path_a), load_cache_dir(path_b), tol)
    report.a_label, report.b_label = str(path_a), str(path_b)
    return report


def iter_differences(report: Report) -> Iterable[str]:
    """One line per problem (for callers that only want a short list)."""
    for d in report.differences:
        a, b = fmt_pair(d.a, d.b)
        yield f"{d.metric}: {a} vs {b} ({d.tolerance})"
    yield from (f"{n}: only in A" for n in report.only_a)
    yield from (f"{n}: only in B" for n in report.only_b)
