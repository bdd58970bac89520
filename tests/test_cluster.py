"""`hw7 run/verify --cluster` (issue 30): Dask tasks give the entries a local run gives, and survive faults.

One 2-worker ``LocalCluster`` (processes, one thread each) serves the module; the CLI reaches it by
address (``--cluster tcp://…``, the path a running scheduler takes), and one subprocess starts its own
(``--cluster local:2``) to be killed. The workers read a synthetic MNIST of the real size through
``HW7_DATA_ROOT``, set before they start: what a cluster's workers must reach. No test needs Slurm:
its job script is rendered, never submitted.
"""

from __future__ import annotations

import json
import operator
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cli_output import after_header
from cluster_fixtures import experiments, full_size_mnist, p1
from hw7 import REPO_ROOT, cli
from hw7.cluster import pool, spec
from hw7.cluster.connect import slurm_kwargs
from hw7.errors import Hw7Error
from hw7.instructors import compare, verdicts
from hw7.specs import canonical_json
from hw7.store import cache, fingerprint, registry

HERE = Path(__file__).resolve().parent
EXPERIMENTS = {e.name: e for e in experiments()}


@pytest.fixture(scope="module")
def dask(tmp_path_factory):
    """A 2-worker LocalCluster whose workers see the synthetic MNIST; (client, scheduler address)."""
    from distributed import Client, LocalCluster

    root = full_size_mnist(tmp_path_factory.mktemp("mnist"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HW7_DATA_ROOT", str(root))
        mp.setenv("HW7_ALLOW_UNKNOWN_DATA", "1")  # synthetic digits, not a copy of MNIST the project lists
        mp.setenv("HW7_CHECKPOINT_DIR", str(tmp_path_factory.mktemp("checkpoints")))
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0") as cluster, \
                Client(cluster) as client:
            yield client, cluster.scheduler_address


@pytest.fixture
def registry_of(monkeypatch):
    """Replace the registry by some of the cluster fixtures' experiments (plus extra ones)."""
    def use(*names: str, extra: tuple[registry.Experiment, ...] = ()) -> None:
        chosen = {n: EXPERIMENTS[n] for n in names} | {e.name: e for e in extra}
        monkeypatch.setattr(registry, "experiments", lambda: chosen)
    return use


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["run", *argv, "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, after_header(captured.err)


# ------------------------------------------------------------------------------------------------ the option


@pytest.mark.parametrize("text, kind, detail", [
    ("local:3", "local", 3), ("tcp://10.0.0.5:8786", "address", "tcp://10.0.0.5:8786"), ("slurm", "slurm", None)])
def test_cluster_specs(text, kind, detail):
    parsed = spec.parse(text)
    assert parsed.kind == kind
    assert detail is None or detail in (parsed.workers, parsed.address)


@pytest.mark.parametrize("argv, words", [
    (["--cluster", "local:0"], "at least one worker"),
    (["--cluster", "sge"], "local:N"),
    (["--partition", "short"], "--partition only applies with --cluster slurm"),
    (["--cluster", "local:2", "--gpus", "1"], "--gpus only applies with --cluster slurm"),
    (["--cluster", "slurm", "--walltime", "soon"], "HH:MM:SS"),
])
def test_bad_cluster_options_are_one_line_before_anything_runs(scratch_cache, registry_of, capsys, argv, words):
    registry_of("c-p1")
    code, _, err = _run(capsys, "c-p1", *argv)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not any(cache.has_entry(r) for r in EXPERIMENTS["c-p1"].runs)


def test_an_unreachable_scheduler_is_one_line(scratch_cache, registry_of, capsys, monkeypatch):
    from hw7.cluster import connect

    registry_of("c-p1")
    monkeypatch.setattr(connect, "CONNECT_TIMEOUT", 1)
    code, _, err = _run(capsys, "c-p1", "--cluster", "tcp://127.0.0.1:9")
    assert code == 2 and err.startswith("hw7: error: cannot reach a Dask scheduler at tcp://127.0.0.1:9 within 1 s")
    assert len(err.strip().splitlines()) == 1 and not any(cache.has_entry(r) for r in EXPERIMENTS["c-p1"].runs)


def test_slurm_settings_reach_the_job_script(tmp_path, monkeypatch):
    """File settings, overridden by flags, become SLURMCluster arguments and #SBATCH lines (nothing submitted)."""
    SLURMCluster = pytest.importorskip("dask_jobqueue").SLURMCluster
    config = tmp_path / "hw7-cluster.yaml"
    config.write_text("slurm:\n  partition: short\n  cores: 4\n  memory: 16GB\n  walltime: '02:00:00'\n"
                      "  prologue:\n    - export HW7_DATA_ROOT=/scratch/data\n")
    args = cli.build_parser().parse_args(["run", "x", "--cluster", "slurm", "--cluster-config", str(config),
                                          "--partition", "gpu", "--gpus", "1", "--jobs", "3"])
    settings = spec.from_args(args).slurm
    assert (settings.partition, settings.cores, settings.gpus, settings.jobs) == ("gpu", 4, 1, 3)
    kwargs = slurm_kwargs(settings)
    assert kwargs["processes"] == 1  # a GPU job: one worker, which uses the GPU
    with SLURMCluster(**kwargs, scheduler_options={"dashboard_address": ":0"}) as cluster:
        script = cluster.job_script()
    for line in ("#SBATCH -p gpu", "#SBATCH -n 1", "#SBATCH --cpus-per-task=4", "#SBATCH -t 02:00:00",
                 "#SBATCH --gres=gpu:1", "export HW7_DATA_ROOT=/scratch/data"):
        assert line in script, script
    example = spec.load_settings(REPO_ROOT / "docs" / "hw7-cluster.example.yaml")  # the documented file parses
    assert example.cores == 8 and example.jobs == 4 and slurm_kwargs(example)["processes"] == 8
    config.write_text("slurm:\n  partitions: short\n")
    with pytest.raises(Hw7Error, match="unknown keys \\['partitions'\\]"):
        spec.load_settings(config)


def test_slurm_without_dask_jobqueue_is_one_line(scratch_cache, registry_of, capsys, monkeypatch):
    registry_of("c-p1")
    monkeypatch.setitem(sys.modules, "dask_jobqueue", None)  # what `import dask_jobqueue` meets when it is absent
    code, _, err = _run(capsys, "c-p1", "--cluster", "slurm", "--cores", "2", "--memory", "4GB")
    assert code == 2 and err.startswith("hw7: error: --cluster slurm needs the optional package dask-jobqueue")
    assert len(err.strip().splitlines()) == 1


def test_mnist_tasks_are_the_engines_chunks():
    """One task per chunk the batched engine trains together, one per reference-loop run."""
    from hw7.cluster.run import groups
    from hw7.mnist.experiments import mnist_config

    small = [784, 8, 10]
    configs = [mnist_config(sizes=small, seed=s) for s in range(3)] + [
        mnist_config(sizes=[784, 16, 10]), mnist_config(sizes=small, dropout=0.5), mnist_config(sizes=small, seed=9)]
    assert groups("mnist", configs) == [[0, 1, 2, 5], [3], [4]]
    assert groups("rosenbrock", [{}, {}]) == [[0], [1]]


# ------------------------------------------------------------------------------------------------ same results


def _entries(root: Path, name: str) -> list[dict]:
    return [cache.read_entry(r, root) for r in EXPERIMENTS[name].runs]


def test_cluster_entries_equal_the_local_ones(dask, registry_of, tmp_path, monkeypatch, capsys):
    """Problem 1 bit for bit; the MNIST chunk within verify's float32 rounding tolerance, trained as one batch;
    each entry records the worker's machine. `verify --cluster` then finds them identical (same workers)."""
    client, address = dask
    registry_of("c-p1", "c-sweep", "c-mnist")
    names = ["c-p1", "c-sweep", "c-mnist"]
    monkeypatch.setenv("HW7_CACHE_DIR", str(tmp_path / "local"))
    assert _run(capsys, *names)[0] == 0
    monkeypatch.setenv("HW7_CACHE_DIR", str(tmp_path / "cluster"))
    code, out, err = _run(capsys, *names, "--cluster", address)
    assert code == 0, err
    assert "cluster: 5 task(s) for 6 run(s)" in out and "saved 6 of 6 runs" in out
    local, remote = tmp_path / "local", tmp_path / "cluster"
    for name in ("c-p1", "c-sweep"):
        for a, b in zip(_entries(local, name), _entries(remote, name)):
            assert canonical_json(a["result"]) == canonical_json(b["result"])
    worker_machine = next(iter(client.run(fingerprint.current).values()))
    assert _entries(remote, "c-p1")[0]["meta"]["machine"] == worker_machine
    for a, b in zip(_entries(local, "c-mnist"), _entries(remote, "c-mnist")):
        steps = verdicts.steps_compared("mnist", a["config"], n_train=60_000)
        tol, _ = verdicts.equivalence_tolerance("mnist", steps)
        report = compare.compare_flat(compare.flatten(a["result"]), compare.flatten(b["result"]), tol)
        assert report.ok and report.compared >= 5, compare.format_report(report)
        assert a["result"]["runs_in_batch"] == b["result"]["runs_in_batch"] == 2
    code = cli.main(["verify", *names, "--cluster", address, "--no-progress", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["status"] for r in doc["runs"]] == ["identical"] * 6, doc
    code = cli.main(["verify", *names, "--no-progress", "--json"])  # here: this process's threads
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and {r["status"] for r in doc["runs"]} <= {"identical", "equivalent"}, doc


# ------------------------------------------------------------------------------------------------ faults


def test_a_raising_task_is_one_line_and_the_others_are_saved(dask, registry_of, scratch_cache, capsys):
    _, address = dask
    bad = registry._experiment("c-bad", "rosenbrock", "one config with a typo", [
        p1("gd", 1e-4, 200), {"optimizer": "gd", "lrr": 1e-4, "steps": 200, "init": [-4.0, -2.0]}, p1("adam", 1e-2, 200)])
    registry_of(extra=(bad,))
    code, out, err = _run(capsys, "c-bad", "--cluster", address)
    errors = [line for line in err.splitlines() if line.startswith("hw7: error:")]
    assert code == 1 and len(errors) == 1 and "Traceback" not in err, err
    assert bad.runs[1].key in errors[0] and "lrr" in errors[0] and "c-bad" in errors[0]
    assert [cache.has_entry(r) for r in bad.runs] == [True, False, True]
    assert "saved 2 of 3 runs in" in out and "; 1 failed (named above)" in out


def test_an_unexpected_exception_comes_back_as_one_line(dask):
    """Not a person's error: Dask retries it, then the outcome names it (no traceback)."""
    client, _ = dask
    [outcome] = pool.run_tasks(client, [pool.Task("a division", operator.truediv, (1, 0))], progress=False)
    assert outcome.error == "ZeroDivisionError: division by zero" and outcome.value is None


def _kill_when_running(client, tag: str, timeout: float = 60.0) -> tuple[str, int]:
    """SIGKILL the worker process that is computing the task tagged ``tag``; (task key, killed pid)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        executing = client.run(lambda dask_worker: [str(ts.key) for ts in dask_worker.state.executing])
        for address, keys in executing.items():
            key = next((k for k in keys if tag in k), None)
            if key is not None:
                pid = client.run(os.getpid, workers=[address])[address]
                os.kill(pid, signal.SIGKILL)
                return str(key), pid
        time.sleep(0.05)
    raise AssertionError(f"task {tag} never ran")


def test_a_worker_killed_mid_task_reruns_it_elsewhere(dask, registry_of, scratch_cache, capsys, monkeypatch):
    """The killed worker's task runs again on another worker; every entry is written once, none is lost."""
    client, address = dask
    registry_of("c-kill")
    runs = EXPERIMENTS["c-kill"].runs
    writes: list[str] = []
    write = cache.write_entry
    monkeypatch.setattr(cache, "write_entry", lambda run, *a, **kw: (writes.append(run.key), write(run, *a, **kw))[1])
    outcome: dict[str, int] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("code", cli.main(
        ["run", "c-kill", "--cluster", address, "--no-progress"])))
    thread.start()
    try:
        key, pid = _kill_when_running(client, runs[1].key)
        assert not cache.has_entry(runs[1])  # killed before its result came back
    finally:
        thread.join(timeout=180)
    assert outcome.get("code") == 0, capsys.readouterr().err
    assert sorted(writes) == sorted(r.key for r in runs) and all(cache.state(r) == "cached" for r in runs)
    processing = [t for t in client.story(key) if t[2] == "processing"]
    assert len(processing) >= 2, client.story(key)  # sent to a worker, then (after the kill) to another


def test_a_killed_client_keeps_its_entries_and_the_same_command_resumes(dask, tmp_path):
    """SIGKILL to a `hw7 run --cluster tcp://…` client once an entry is saved: what was saved stays, unchanged,
    and the same command computes only the rest."""
    _, address = dask
    root = tmp_path / "cache"
    env = {**os.environ, "HW7_CACHE_DIR": str(root), "HW7_REGISTRY_MODULE": "cluster_fixtures",
           "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "code"), str(HERE)])}
    argv = [sys.executable, "-m", "hw7", "run", "c-resume", "--cluster", address, "--no-progress"]
    runs = EXPERIMENTS["c-resume"].runs
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not any(cache.has_entry(r, root) for r in runs) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        proc.kill()  # SIGKILL: no handler runs, nothing is flushed or cleaned up
        proc.wait()
    saved = {r.key: cache.entry_path(r, root).read_bytes() for r in runs if cache.has_entry(r, root)}
    assert 1 <= len(saved) < len(runs)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert f"computing {len(runs) - len(saved)} of {len(runs)} runs" in done.stdout
    assert all(cache.state(r, root) == "cached" for r in runs)
    assert all(cache.entry_path(r, root).read_bytes() == saved[r.key] for r in runs if r.key in saved)


def test_local_n_starts_and_stops_its_own_workers():
    """`--cluster local:N`: a LocalCluster of N single-threaded worker processes, gone when the command ends."""
    from hw7.cluster.connect import connect

    with connect(spec.parse("local:1")) as client:
        assert list(client.nthreads().values()) == [1]
        [outcome] = pool.run_tasks(client, [pool.Task("a sum", operator.add, (2, 3))], progress=False)
        assert outcome.value == 5 and outcome.error is None
        pids = client.run(os.getpid)
    assert not any(_alive(pid) for pid in pids.values())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
