"""Robustness of the command line, run as a person runs it: `python -m hw7` in a subprocess.

* SIGKILL in the middle of a sweep loses no finished run and leaves no partial entry; `run` again
  finishes the rest.
* Everything a person can get wrong (a config typo, an unknown experiment, a missing MNIST folder,
  a damaged cache file) ends with one line saying what is wrong and what to do, a non-zero exit
  and no traceback.

The subprocesses see the registry of cheap runs below through ``HW7_REGISTRY_MODULE=test_robustness``
(the hook in :func:`hw7.store.registry.experiments`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_output import after_header
from hw7.instructors import verify
from hw7.store import cache, registry

HERE = Path(__file__).resolve().parent
INIT = [-4.0, -2.0]
#: slow-ish cheap runs: ~0.5 s each, so a kill lands mid-sweep
SLOW = [{"optimizer": "gd", "lr": lr, "steps": 80_000, "init": INIT} for lr in (1e-5, 2e-5, 3e-5, 4e-5, 5e-5)]

#: a complete MNIST config (as registry.mnist_config writes it; spelled out so listing needs no torch)
TINY_MNIST = {"sizes": [784, 4, 10], "activation": "sigmoid", "init": "xavier_normal", "optimizer": "sgd", "lr": 1e-3,
              "momentum": 0.8, "nesterov": True, "weight_decay": 1e-5, "betas": [0.9, 0.999], "eps": 1e-8,
              "batch_size": 10, "epochs": 1, "seed": 0, "scheduler": None, "eval": "test", "batch_norm": False,
              "dropout": 0.0}


def experiments() -> list[registry.Experiment]:
    """The registry the subprocesses see (the ``HW7_REGISTRY_MODULE`` hook calls this)."""
    return [
        registry._experiment("slow", "rosenbrock", "five slow-ish runs", SLOW),
        # named like the real experiment, so `hw7 summary` reads these entries
        registry._experiment("p1-b", "rosenbrock", "cheap stand-in for p1-b",
                             [{"optimizer": o, "lr": 1e-4, "steps": 300, "init": INIT} for o in ("gd", "momentum", "adam")]),
        registry._experiment("typo", "rosenbrock", "a config with a typo",
                             [{"optimizer": "gd", "lrr": 1e-4, "steps": 10, "init": INIT}]),
        registry._experiment("mnist-tiny", "mnist", "one tiny MNIST run", [TINY_MNIST]),
    ]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Environment of the subprocesses (scratch cache, test registry); this process uses the same registry."""
    variables = {**os.environ, "HW7_CACHE_DIR": str(tmp_path / "cache"), "HW7_REGISTRY_MODULE": "test_robustness",
                 "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    monkeypatch.setenv("HW7_CACHE_DIR", variables["HW7_CACHE_DIR"])
    monkeypatch.setattr(registry, "experiments", lambda: {e.name: e for e in experiments()})
    return variables


def hw7(env, *argv, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hw7", *argv], env=env, capture_output=True, text=True, timeout=timeout)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    err = after_header(proc.stderr)
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("hw7: error: ")
    return err


def test_sigkill_mid_sweep_loses_nothing_and_resume_finishes(env):
    root = Path(env["HW7_CACHE_DIR"])
    runs = registry.get("slow").runs
    proc = subprocess.Popen([sys.executable, "-m", "hw7", "run", "slow", "--no-progress"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list(root.glob("rosenbrock/*.json")):
            assert proc.poll() is None, "run ended before writing anything"
            assert time.monotonic() < deadline, "no entry after 60 s"
            time.sleep(0.01)
        time.sleep(0.1)  # now inside the next run's computation
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    survivors = [r for r in runs if cache.has_entry(r)]
    assert 1 <= len(survivors) < len(runs), "the kill should land mid-sweep"
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == sorted(f"{r.key}.json" for r in survivors)
    before = {r.key: cache.entry_path(r).read_bytes() for r in survivors}
    for r in survivors:
        cache.read_entry(r)  # checksum and key verify

    resumed = hw7(env, "run", "slow", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert f"computing {len(runs) - len(survivors)} of {len(runs)} runs" in resumed.stdout
    assert all(cache.has_entry(r) for r in runs)
    assert {r.key: cache.entry_path(r).read_bytes() for r in survivors} == before  # finished runs were kept
    assert not list(root.rglob("*.tmp"))
    # and what survived the kill is what the code computes: recomputed, each survivor passes verify (on this
    # machine usually bit for bit; the house rule asks no test to demand bit-identity, see verdicts)
    checks = verify.verify(survivors)
    assert all(c.ok for c in checks), [(c.status, c.why) for c in checks]


def test_config_typo(env):
    err = one_line_error(hw7(env, "run", "typo", "--no-progress"))
    assert "'lrr'" in err and "allowed" in err


def test_unknown_experiment(env):
    err = one_line_error(hw7(env, "run", "no-such-thing", "--no-progress"))
    assert "unknown experiment 'no-such-thing'" in err and "python -m hw7 list" in err


def test_missing_mnist_data(env, tmp_path):
    empty = tmp_path / "no-mnist-here"
    empty.mkdir()
    err = one_line_error(hw7({**env, "HW7_DATA_ROOT": str(empty)}, "run", "mnist-tiny", "--no-progress"))
    assert "MNIST file" in err and str(empty) in err and "HW7_DATA_ROOT" in err


def test_damaged_cache_file(env):
    assert hw7(env, "run", "p1-b", "--no-progress").returncode == 0
    run = registry.get("p1-b").runs[1]
    path = cache.entry_path(run)
    path.write_bytes(b"\x00\xff not an entry")
    err = one_line_error(hw7(env, "summary"))
    assert str(path) in err and "python -m hw7 run p1-b --force" in err
    err = one_line_error(hw7(env, "diff", str(path.parents[1]), str(path.parents[1])))
    assert str(path) in err
    listing = hw7(env, "list", "-v")
    assert listing.returncode == 2 and "CORRUPT" in listing.stdout and "--force" in one_line_error(listing)
    checked = hw7(env, "verify", "p1-b", "--no-progress")
    assert checked.returncode == 1 and "CORRUPT" in checked.stdout and "Traceback" not in checked.stderr
