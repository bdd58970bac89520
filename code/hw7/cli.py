"""Command line: list experiments, compute missing results into the cache, rebuild the summary.

    python -m hw7 list
    python -m hw7 run p1-b p1-c        # only what is missing
    python -m hw7 run --all --force    # recompute everything
    python -m hw7 summary

Errors a person can fix (unknown experiment, bad config, missing data, damaged cache entry)
print one line and exit 2; an interrupted run keeps every finished entry and exits 130.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from . import cache, registry, summary
from .errors import CacheCorrupt, Hw7Error


def _status(run: registry.Run) -> str:
    if not cache.has_entry(run):
        return "missing"
    try:
        cache.read_entry(run)
    except CacheCorrupt:
        return "CORRUPT"
    return "cached"


def cmd_list(args: argparse.Namespace) -> int:
    names = args.names or list(registry.experiments())
    print(f"{'experiment':<24} {'kind':<18} {'cached':>7}  title")
    for name in names:
        exp = registry.get(name)
        states = [_status(r) for r in exp.runs]
        done = states.count("cached")
        flag = "" if done == len(states) else ("  <- CORRUPT entries" if "CORRUPT" in states else "  <- missing")
        print(f"{exp.name:<24} {exp.kind:<18} {done:>3}/{len(states):<3}  {exp.title}{flag}")
        if args.verbose:
            for run, state in zip(exp.runs, states):
                print(f"    {run.key}  {state:<8} {run.label}")
    return 0


def run_experiment(exp: registry.Experiment, *, force: bool, progress: bool) -> int:
    """Compute the runs of ``exp`` that are missing (all with ``force``); each is saved as it finishes."""
    todo = [r for r in exp.runs if force or _status(r) != "cached"]
    if not todo:
        print(f"{exp.name}: all {len(exp.runs)} runs cached")
        return 0
    print(f"{exp.name}: computing {len(todo)} of {len(exp.runs)} runs ({exp.title})", flush=True)
    compute = registry.runner(exp.kind)
    started = last = time.perf_counter()
    saved = 0
    for index, result in compute([r.config for r in todo], progress=progress):
        now = time.perf_counter()
        seconds = result.get("seconds", now - last) if isinstance(result, dict) else now - last
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
    names = list(registry.experiments()) if args.all else args.names
    experiments = [registry.get(n) for n in names]  # validate every name before computing anything
    for exp in experiments:
        run_experiment(exp, force=args.force, progress=not args.no_progress)
    path, missing = summary.write()
    print(f"summary: {path}" + (f" (still missing: {', '.join(missing)})" if missing else ""))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    path, missing = summary.write()
    print(f"wrote {path}" + (f"; experiments not cached yet: {', '.join(missing)}" if missing else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hw7", description="Compute and inspect the cached results of the Homework 7 report.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="experiments and how many of their runs are cached")
    p.add_argument("names", nargs="*", help="experiments to show (default: all)")
    p.add_argument("-v", "--verbose", action="store_true", help="one line per run")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="compute missing runs into the cache (with a progress bar)")
    p.add_argument("names", nargs="*", help="experiments to run")
    p.add_argument("--all", action="store_true", help="every experiment in the registry")
    p.add_argument("--force", action="store_true", help="recompute runs that are already cached")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (logs, CI)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("summary", help="rebuild cache/summary.json from the cache entries")
    p.set_defaults(func=cmd_summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
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
