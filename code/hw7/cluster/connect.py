"""A Dask client for a :class:`~hw7.cluster.spec.ClusterSpec`, closed (with what it started) on exit.

* ``local:N`` — ``LocalCluster`` of N worker processes with one thread each (torch and the BLAS then use
  one thread per worker: Dask's nanny sets ``OMP_NUM_THREADS=1``), so N runs compute side by side;
* ``tcp://HOST:PORT`` — a scheduler someone started (``dask scheduler``, ``dask worker ADDRESS``);
* ``slurm`` — ``dask_jobqueue.SLURMCluster`` (the optional extra ``cluster``), ``jobs`` jobs of
  ``cores`` single-threaded workers, or one worker per job when the job has GPUs.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from hw7.cluster.spec import ClusterSpec, SlurmSettings
from hw7.errors import Hw7Error

if TYPE_CHECKING:
    from distributed import Client

#: seconds to wait for a scheduler given by address before giving up with one line
CONNECT_TIMEOUT = 20


@contextmanager
def connect(spec: ClusterSpec) -> Iterator["Client"]:
    """A client on the cluster ``spec`` names; a cluster started here is shut down on exit."""
    if spec.kind == "local":
        from distributed import Client, LocalCluster

        # the scheduler's HTTP routes on a free local port: two commands at once never clash over 8787
        with LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True,
                          dashboard_address="127.0.0.1:0") as local, Client(local) as client:
            yield client
    elif spec.kind == "address":
        with _remote(spec.address) as client:
            yield client
    else:
        assert spec.slurm is not None
        with slurm_cluster(spec.slurm) as cluster, _client(cluster) as client:
            yield client


@contextmanager
def _remote(address: str) -> Iterator["Client"]:
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise Hw7Error(f"cannot reach a Dask scheduler at {address} within {CONNECT_TIMEOUT} s "
                       f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                       "start one with `dask scheduler` and workers with `dask worker ADDRESS --nthreads 1`") from None
    with client:
        yield client


@contextmanager
def _client(cluster: Any) -> Iterator["Client"]:
    from distributed import Client

    with Client(cluster) as client:
        yield client


def slurm_kwargs(s: SlurmSettings) -> dict[str, Any]:
    """``SLURMCluster`` keyword arguments for ``s`` (what is None is left to dask-jobqueue's own config)."""
    kw: dict[str, Any] = dict(s.options)
    names = {"partition": "queue", "account": "account", "cores": "cores", "memory": "memory", "walltime": "walltime"}
    for ours, theirs in names.items():
        if getattr(s, ours) is not None:
            kw[theirs] = getattr(s, ours)
    if s.cores is not None and "processes" not in kw:
        kw["processes"] = 1 if s.gpus else s.cores  # single-threaded workers; a GPU job: one worker uses the GPU
    if s.gpus:
        kw["job_extra_directives"] = [*kw.get("job_extra_directives", []), f"--gres=gpu:{s.gpus}"]
    if s.prologue:
        kw["job_script_prologue"] = [*kw.get("job_script_prologue", []), *s.prologue]
    return kw


@contextmanager
def slurm_cluster(s: SlurmSettings) -> Iterator[Any]:
    """A ``SLURMCluster`` asking for ``s.jobs`` jobs; one line (no traceback) when dask-jobqueue is missing."""
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError:
        raise Hw7Error("--cluster slurm needs the optional package dask-jobqueue: "
                       "pip install -e '.[cluster]' (or pip install dask-jobqueue==0.9.0)") from None
    try:
        cluster = SLURMCluster(**slurm_kwargs(s))
    except (TypeError, ValueError) as exc:
        raise Hw7Error(f"--cluster slurm: {str(exc).splitlines()[0]} (settings: flags, --cluster-config, "
                       "or dask-jobqueue's jobqueue.yaml)") from None
    with cluster:
        cluster.scale(jobs=s.jobs)
        yield cluster


def describe(client: "Client") -> str:
    """How many workers and threads the scheduler knows of now (Slurm jobs may still be queued)."""
    nthreads = client.nthreads()
    where = client.scheduler.address if client.scheduler is not None else "an unknown address"
    return f"{len(nthreads)} worker(s), {sum(nthreads.values())} thread(s) at {where}"
