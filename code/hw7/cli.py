"""Command line: list experiments, compute missing results into the cache, rebuild the summary.

    python -m hw7 list
    python -m hw7 run p1-b p1-c        # only what is missing
    python -m hw7 run 'p2-*'           # every Problem 2 experiment
    python -m hw7 run --all --force    # recompute everything
    python -m hw7 summary
    python -m hw7 diff --rev HEAD      # committed headline numbers against the working tree's
    python -m hw7 verify 'p1-*'        # recompute cached runs and check they match
    python -m hw7 verify --summary     # cache/summary.json against the entries it is built from
    python -m hw7 verify --sample 3 --epochs 1 --dry-run   # what that would recompute, and for how long

Every command works on the project it runs in (:mod:`hw7.project`: the nearest folder, from the current
one up, with ``_quarto.yml`` and ``cache/``; ``--project DIR`` overrides it, ``$HW7_CACHE_DIR`` the cache
alone) and starts by naming the cache it reads, on stderr, so that ``--json`` output on stdout stays
parseable.

Errors a person can fix (unknown experiment, bad config, missing data, damaged cache entry, a cache
that cannot be written) print one line and exit 2; an interrupted run keeps every finished entry and
exits 130. ``list`` and ``summary`` exit 2 too when a cache entry is CORRUPT (scripts gate on it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import hw7
from hw7 import project
from hw7.cluster.spec import add_arguments as cluster_arguments
from hw7.cluster.spec import from_args as cluster_spec
from hw7.errors import CacheCorrupt, Hw7Error
from hw7.store import cache, registry, summary


def cmd_list(args: argparse.Namespace) -> int:
    chosen = registry.select(args.names) if args.names else list(registry.experiments().values())
    # columns as wide as their longest entry, so every row lines up whatever the names
    name_w = max([len("experiment"), *(len(e.name) for e in chosen)])
    kind_w = max([len("kind"), *(len(e.kind) for e in chosen)])
    count_w = max([3, *(len(str(len(e.runs))) for e in chosen)])
    cached_w = max(len("cached"), 2 * count_w + 1)
    print(f"{'experiment':<{name_w}}  {'kind':<{kind_w}}  {'cached':>{cached_w}}  title")
    corrupt: list[str] = []
    for exp in chosen:
        states = [cache.state(r) for r in exp.runs]
        done = states.count("cached")
        flag = "" if done == len(states) else ("  <- CORRUPT entries" if "CORRUPT" in states else "  <- missing")
        cached = f"{done:>{count_w}}/{len(states):<{count_w}}"
        print(f"{exp.name:<{name_w}}  {exp.kind:<{kind_w}}  {cached:>{cached_w}}  {exp.title}{flag}")
        if args.verbose:
            for run, state in zip(exp.runs, states):
                print(f"    {run.key}  {state:<8} {run.label}")
        if "CORRUPT" in states:
            corrupt.append(exp.name)
    if corrupt:
        raise CacheCorrupt(f"damaged cache entries in {', '.join(corrupt)} (never used); see them with "
                           f"`python -m hw7 list -v`, regenerate with `python -m hw7 run {' '.join(corrupt)} --force`")
    return 0


def _todo(exp: registry.Experiment, force: bool) -> list[registry.Run]:
    return [r for r in exp.runs if force or cache.state(r) != "cached"]


def run_experiment(exp: registry.Experiment, *, force: bool, progress: bool) -> int:
    """Compute the runs of ``exp`` that are missing (all with ``force``); each is saved as it finishes."""
    todo = _todo(exp, force)
    if not todo:
        print(f"{exp.name}: all {len(exp.runs)} runs cached")
        return 0
    print(f"{exp.name}: computing {len(todo)} of {len(exp.runs)} runs ({exp.title})", flush=True)
    compute = registry.runner(exp.kind)
    started = last = time.perf_counter()
    saved = 0
    for index, result in compute([r.config for r in todo], progress=progress):
        now = time.perf_counter()
        seconds = result.get("seconds", now - last)  # the runner's own timing when it gives one
        last = now
        path = cache.write_entry(todo[index], result, seconds=seconds, device=str(result.get("device", "cpu")))
        saved += 1
        if not progress:
            print(f"  saved {path}", flush=True)
    print(f"{exp.name}: saved {saved} runs in {time.perf_counter() - started:.1f} s", flush=True)
    return saved


def cmd_run(args: argparse.Namespace) -> int:
    if not args.names and not args.all:
        raise Hw7Error("name experiments to run, or pass --all (see `python -m hw7 list`)")
    if args.names and args.all:
        raise Hw7Error(f"name experiments ({' '.join(args.names)}) or pass --all, not both")
    # validate every name, and that the results can be saved, before computing anything
    experiments = list(registry.experiments().values()) if args.all else registry.select(args.names)
    cluster = cluster_spec(args)  # None: compute in this process
    _check_before_computing([r for exp in experiments for r in _todo(exp, args.force)])
    if cluster is not None:  # Dask tasks (hw7.cluster); a failed task is named in one line, the rest saved: exit 1
        from hw7.cluster import run as on_cluster

        failed = on_cluster.run_experiments(experiments, cluster, force=args.force, progress=not args.no_progress)
        return _write_summary() or (1 if failed else 0)
    for exp in experiments:
        run_experiment(exp, force=args.force, progress=not args.no_progress)
    return _write_summary()


def _check_before_computing(todo: list[registry.Run]) -> None:
    """Fail in one line, before any compute, where results or checkpoints could not be saved; say when the
    machine fingerprint is simulated; clear temp files of writes killed midway (only when computing)."""
    cache.check_writable(todo)
    if not todo:
        return
    from hw7.store.fingerprint import SIMULATE_ENV

    if os.environ.get(SIMULATE_ENV):
        print(f"hw7: warning: {SIMULATE_ENV} is set, so the entries computed now record the CPU as "
              f"{os.environ[SIMULATE_ENV]!r} (simulated), not this machine (unset it unless this is a test)", file=sys.stderr)
    if any(r.kind == "mnist" for r in todo):
        from hw7.mnist.checkpoint import check_folder
        from hw7.mnist.config import TrainConfig

        if any(not TrainConfig.from_dict(r.config).batchable for r in todo if r.kind == "mnist"):
            check_folder()  # long runs checkpoint every epoch
    cache.remove_stale_temp_files()  # left by an earlier run killed mid-write


def _write_summary() -> int:
    """Rebuild summary.json from every entry that verifies; name what is left out and how to fix it.
    Missing experiments are a normal state of a cache being filled (exit 0); a damaged entry exits 2."""
    path, built = summary.write()
    note = ""
    if built.missing:
        note = (f" (not cached yet, so left out: {', '.join(built.missing)}; "
                f"compute with `python -m hw7 run {' '.join(built.missing)}`)")
    print(f"summary: wrote {path}{note}", flush=True)
    if built.corrupt:
        name, message = next(iter(built.corrupt.items()))
        others = [n for n in built.corrupt if n != name]
        more = f"; also damaged: {', '.join(others)}" if others else ""
        raise CacheCorrupt(f"{path} leaves out {', '.join(built.corrupt)}: {message}{more}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    return _write_summary()


def _strict_json(doc: object) -> str:
    """``--json`` output is strict JSON: a non-finite number is spelled as a string ("inf", "nan")."""
    from hw7.instructors.compare import strict_json

    return json.dumps(strict_json(doc), indent=1, allow_nan=False)


def cmd_diff(args: argparse.Namespace) -> int:
    from hw7.instructors import compare, tolerances

    tol = tolerances.Tolerance(atol=args.atol, rtol=args.rtol, include_perf=args.include_perf)
    report = compare.diff(args.a, args.b, rev=args.rev, tol=tol)
    print(_strict_json(compare.report_json(report)) if args.json else compare.format_report(report))
    return 0 if report.ok else 1


def cmd_verify(args: argparse.Namespace) -> int:
    from hw7.instructors import verify

    if args.dry_run:
        return _verify_dry_run(args, verify)
    checked = summary.check() if args.summary else None
    if checked is not None and not (args.names or args.key or args.sample is not None):
        print(_strict_json(verify.summary_json(checked)) if args.json else verify.format_summary(checked))
        return 0 if checked.ok else 1
    runs, chosen = verify.select(args.names, args.key, args.sample, args.seed)
    checks = verify.verify(runs, epochs=args.epochs, alone=args.alone, atol=args.atol, rtol=args.rtol,
                           exact=args.exact, progress=not args.no_progress and not args.json, device=args.device,
                           cluster=cluster_spec(args))
    ok = all(c.ok for c in checks) and (checked is None or checked.ok)
    if args.json:
        doc = verify.checks_json(checks, chosen)
        if checked is not None:
            doc = {**doc, "ok": ok, "summary": verify.summary_json(checked)}
        print(_strict_json(doc))
    else:
        print(verify.format_checks(checks, chosen) + ("" if checked is None else "\n\n" + verify.format_summary(checked)))
    return 0 if ok else 1


def _verify_dry_run(args: argparse.Namespace, verify: "ModuleType") -> int:
    """``verify --dry-run``: what the selection would recompute and for about how long; nothing is computed."""
    named = args.names or args.key or args.sample is not None
    runs, chosen = verify.select(args.names, args.key, args.sample, args.seed) if named or not args.summary else (
        [], "no runs")  # a usage error unless --summary alone is asked
    plan = verify.dry_run(runs, epochs=args.epochs, alone=args.alone, device=args.device)
    if args.json:
        print(_strict_json({**verify.dry_run_json(plan, chosen), "summary_check": bool(args.summary)}))
    else:
        print(verify.format_dry_run(plan, chosen, with_summary=args.summary))
    return 0


def _reads(args: argparse.Namespace) -> str:
    """The first line of every command (on stderr): which project and cache it reads."""
    if args.command == "diff" and args.rev is None and args.a and args.b:
        return f"comparing {args.a} with {args.b} (the paths given; project {project.root()} not read)"
    if args.command == "diff" and args.rev is not None:
        target = args.a or project.cache_dir() / "summary.json"
        rev = args.rev.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # printable whatever was typed
        return (f"cache/summary.json at git revision {rev} of project {project.root()} ({project.how_found()}) "
                f"against {target}")
    return project.describe_cache()


#: what each subcommand's ``--help`` says first (``hw7 COMMAND --help``)
DESCRIPTIONS = {
    "list": "List the experiments of the registry (or those named) with how many of their runs the cache holds; "
            "-v shows each run's key and state (cached, missing or CORRUPT). Exit 2 if an entry shown is CORRUPT.",
    "run": "Compute the runs of the named experiments that the cache lacks (every run with --force), saving each "
           "entry as soon as it is computed, then rebuild cache/summary.json. An interrupted run resumes where it "
           "stopped. Exit 2 on a usage error, a bad config or a cache that cannot be written; 130 when interrupted.",
    "summary": "Rebuild cache/summary.json from every cache entry that verifies, naming the experiments left out "
               "(not cached yet, or damaged). Exit 2 if an entry is CORRUPT.",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hw7", description="Compute and inspect the cached results of the Homework 7 report. Every command works "
        "on the project it runs in (the nearest folder, from the current one up, with _quarto.yml and cache/) and names "
        "the cache it reads on its first line (stderr).",
        epilog="HW7_CACHE_DIR=DIR reads and writes the cache in DIR instead of the project's cache/ (scratch reruns).")
    parser.add_argument("--version", action="version",
                        version=f"hw7 {hw7.__version__} (code in {Path(hw7.__file__).resolve().parent})")
    parser.add_argument("--project", metavar="DIR", help=PROJECT_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Subcommand)

    p = sub.add_parser("list", help="experiments and how many of their runs are cached")
    p.add_argument("names", nargs="*", help="experiments to show (default: all)")
    p.add_argument("-v", "--verbose", action="store_true", help="one line per run")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="compute missing runs into the cache (with a progress bar)")
    p.add_argument("names", nargs="*", help="experiments to run (names or patterns such as 'p2-*')")
    p.add_argument("--all", action="store_true", help="every experiment in the registry")
    p.add_argument("--force", action="store_true", help="recompute runs that are already cached")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (logs, CI)")
    cluster_arguments(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("summary", help="rebuild cache/summary.json from the cache entries")
    p.set_defaults(func=cmd_summary)

    _add_diff(sub)
    _add_verify(sub)
    return parser


def _add_diff(sub: "argparse._SubParsersAction[_Subcommand]") -> None:
    p = sub.add_parser("diff", help="compare two result sets metric by metric (exit 1 if they differ)",
                       description="Compare two summary.json files, two cache folders (runs matched by key), or "
                                   "(--rev REV) cache/summary.json at a git revision with the working tree's. "
                                   "Tolerances are chosen per metric by name (see docs/instructors.md). "
                                   "Exit 0: within tolerance; 1: differences; 2: usage error.")
    p.add_argument("a", nargs="?", help="side A: a summary.json file or a cache folder")
    p.add_argument("b", nargs="?", help="side B: the same kind of thing as A")
    p.add_argument("--rev", metavar="REV", help="side A is cache/summary.json at this git revision; "
                                                "side B is the path given, else the working tree's summary")
    p.add_argument("--atol", type=float, help="absolute tolerance for every metric (replaces the per-metric rules)")
    p.add_argument("--rtol", type=float, help="relative tolerance for every metric (replaces the per-metric rules)")
    p.add_argument("--include-perf", action="store_true", help="also compare perf.* and timings (rtol 0.5)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_diff)


def _add_verify(sub: "argparse._SubParsersAction[_Subcommand]") -> None:
    p = sub.add_parser("verify", help="recompute cached runs and check they match (exit 1 on a mismatch)",
                       description="Recompute chosen cached runs (never writing the cache) and judge each: "
                                   "identical (same machine fingerprint: bit for bit), equivalent (another machine: "
                                   "within float rounding over the steps compared), consistent (a long training run "
                                   "elsewhere: accuracy within the seeds' spread) or MISMATCH (see docs/instructors.md). "
                                   "With --summary, check cache/summary.json against its entries instead (or as well, "
                                   "with runs named). Exit 0 unless a run or the summary is MISMATCH, CORRUPT or MISSING.")
    p.add_argument("names", nargs="*", help="experiments whose runs to verify (names or patterns such as 'p1-*')")
    p.add_argument("--summary", action="store_true",
                   help="check cache/summary.json against the entries it is built from (cheap: nothing is "
                        "recomputed); exit 1 naming the keys that differ")
    p.add_argument("--key", action="append", default=[], metavar="KEY",
                   help="a run's key or key prefix (repeatable; keys: `hw7 list -v`)")
    p.add_argument("--sample", type=int, metavar="N", help="verify N random cached runs (of the named experiments, else of all)")
    p.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    p.add_argument("--epochs", type=int, metavar="K", help="MNIST: recompute only the first K epochs and compare those")
    p.add_argument("--alone", action="store_true",
                   help="MNIST: recompute only the chosen runs, not the batch they trained in (cheaper; tolerance)")
    p.add_argument("--device", metavar="DEV",
                   help="MNIST: recompute on this device (cpu, cuda, cuda:1; default: where each run was computed)")
    p.add_argument("--exact", action="store_true", help="demand bit-identical results even where they are not expected")
    p.add_argument("--atol", type=float, help="absolute tolerance (instead of bit-identity / the rounding tolerance)")
    p.add_argument("--rtol", type=float, help="relative tolerance (instead of bit-identity / the rounding tolerance)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be recomputed (batches included) and the time it is estimated to take "
                        "from the entries' recorded times; compute nothing, exit 0")
    cluster_arguments(p)
    p.set_defaults(func=cmd_verify)


PROJECT_HELP = "work on the project in DIR (default: the one enclosing the current folder)"


class _Subcommand(argparse.ArgumentParser):
    """A subcommand's parser: ``--project`` after the command too (without overriding one given before it),
    and a description for its ``--help`` (from :data:`DESCRIPTIONS` unless the command gives its own)."""

    def __init__(self, **kwargs: Any) -> None:
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS, help=PROJECT_HELP)
        if kwargs.get("description") is None:
            kwargs["description"] = DESCRIPTIONS.get(str(kwargs.get("prog", "")).split()[-1])
        super().__init__(**kwargs, parents=[common])


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        project.use(args.project)
        print(f"hw7: {_reads(args)}", file=sys.stderr, flush=True)
        return args.func(args)
    except Hw7Error as exc:
        print(f"hw7: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and cut short: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("hw7: interrupted; every finished run is saved — run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        project.use(None)
