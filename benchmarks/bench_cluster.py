"""What does `hw7 run --cluster local:N` cost or gain against the local path, on this machine?

    python benchmarks/bench_cluster.py             # 2 rounds of the three commands (a few minutes on 2 cores)
    python benchmarks/bench_cluster.py --rounds 1

Each round runs the same `python -m hw7 run bench-*` four times, each into an empty scratch cache, in a
fresh process (what a person types): the local path, `--cluster local:1`, `--cluster local:2`, and, as a
control, the local path with one thread (``OMP_NUM_THREADS=1``, as Dask gives each worker): torch's
intra-op threads suffer on a loaded machine, and the control separates that from Dask's own cost. The
order rotates between rounds. The work is small: Problem 1 runs (NumPy) and MNIST runs of one epoch
on the real data (three chunks the batched engine trains together, and two dropout runs that the
reference loop trains alone). The cluster's figures include starting it (the worker processes import
torch and load MNIST), which a command pays every time. Ratios are local time / cluster time (above 1:
the cluster is faster), medians over rounds. The machine is shared: the load average before and after
each command is recorded beside it. Results go to benchmarks/cluster_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "code"))

MODES = {"local": [], "local:1": ["--cluster", "local:1"], "local:2": ["--cluster", "local:2"], "local-1-thread": []}
#: environment a mode adds (the control: the local path with the one thread each Dask worker uses)
MODE_ENV = {"local-1-thread": {"OMP_NUM_THREADS": "1"}}


def experiments() -> list:
    """The benchmark's runs (read through HW7_REGISTRY_MODULE=bench_cluster by the `hw7 run` subprocesses)."""
    from hw7.mnist.experiments import mnist_config
    from hw7.store import registry

    init = [-4.0, -2.0]
    p1 = [{"optimizer": opt, "lr": lr, "steps": 30_000, "init": init}
          for opt, lr in (("gd", 1e-4), ("gd", 2e-4), ("adam", 1e-2), ("adam", 3e-2))]
    p1 += [{"optimizer": "momentum", "lr": lr, "gamma": 0.9, "steps": 30_000, "init": init} for lr in (1e-5, 3e-5)]
    shapes = ([784, 32, 10], [784, 64, 10], [784, 100, 10])
    batched = [mnist_config(sizes=sizes, epochs=1, batch_size=100, lr=0.1, seed=seed) for sizes in shapes for seed in range(3)]
    alone = [mnist_config(sizes=[784, 64, 10], epochs=1, batch_size=100, lr=0.1, dropout=0.2, seed=seed) for seed in range(2)]
    return [registry._experiment("bench-p1", "rosenbrock", "Problem 1, 6 runs of 30,000 steps", p1),
            registry._experiment("bench-mnist", "mnist", "MNIST, 3 chunks of 3 runs, 1 epoch", batched),
            registry._experiment("bench-mnist-alone", "mnist", "MNIST with dropout, 2 runs alone, 1 epoch", alone)]


def one_command(mode: str) -> dict:
    """One `hw7 run bench-*` in a fresh process and an empty cache: wall seconds and the load around it."""
    with tempfile.TemporaryDirectory(prefix="hw7-bench-cluster-") as scratch:
        env = {**os.environ, "HW7_REGISTRY_MODULE": "bench_cluster", "HW7_CACHE_DIR": str(Path(scratch) / "cache"),
               "HW7_CHECKPOINT_DIR": str(Path(scratch) / "checkpoints"),
               "PYTHONPATH": os.pathsep.join([str(ROOT / "code"), str(HERE)]), **MODE_ENV.get(mode, {})}
        before = os.getloadavg()[0]
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "hw7", "run", "bench-*", "--no-progress", *MODES[mode]],
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{mode}: hw7 run failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        saved = len(list((Path(scratch) / "cache").glob("*/*.json")))
    return {"mode": mode, "seconds": round(seconds, 2), "entries": saved, "load_before": round(before, 2),
            "load_after": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "cluster_results.json")
    args = parser.parse_args()
    order = list(MODES)
    rows = []
    for r in range(args.rounds):
        for mode in order[r % len(order):] + order[:r % len(order)]:
            rows.append({"round": r + 1, **one_command(mode)})
            print(json.dumps(rows[-1]), flush=True)
    median = {m: statistics.median(row["seconds"] for row in rows if row["mode"] == m) for m in MODES}
    doc = {
        "what": "wall seconds of `python -m hw7 run bench-*` (6 Problem 1 runs, 9 batched + 2 reference-loop MNIST "
                "runs of one epoch) in a fresh process and an empty cache; cluster figures include starting it",
        "machine": {"cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "runs": sum(len(e.runs) for e in experiments()),
        "rows": rows,
        "median_seconds": median,
        "ratio_local_over": {m: round(median["local"] / median[m], 3) for m in MODES if m != "local"},
        "ratio_local_1_thread_over": {m: round(median["local-1-thread"] / median[m], 3) for m in ("local:1", "local:2")},
        "load_average_1min": {"min": min(min(r["load_before"], r["load_after"]) for r in rows),
                              "max": max(max(r["load_before"], r["load_after"]) for r in rows)},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    from hw7.store.fingerprint import cpu_model

    doc["machine"]["cpu"] = cpu_model()
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out}: local / cluster time = {doc['ratio_local_over']}")


if __name__ == "__main__":
    main()
