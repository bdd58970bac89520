"""Where ``--cluster`` sends the work: ``local:N``, ``tcp://HOST:PORT`` or ``slurm`` (with its settings).

Plain data and argument parsing only (Dask is imported by :mod:`hw7.cluster.connect`, when a cluster
is used). Slurm settings come from a YAML file (``--cluster-config FILE``, else ``$HW7_CLUSTER_CONFIG``,
else ``hw7-cluster.yaml`` at the repository root when it exists; ``docs/hw7-cluster.example.yaml``
documents every key), and flags override the file; whatever neither gives falls back to dask-jobqueue's
own configuration (``~/.config/dask/jobqueue.yaml``).
"""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hw7 import REPO_ROOT
from hw7.errors import Hw7Error

CONFIG_ENV = "HW7_CLUSTER_CONFIG"
DEFAULT_CONFIG = REPO_ROOT / "hw7-cluster.yaml"
USAGE = "--cluster takes local:N (N worker processes here), tcp://HOST:PORT (a running Dask scheduler) or slurm"


@dataclass(frozen=True)
class SlurmSettings:
    """What one Slurm job (one batch of Dask workers) asks for; None leaves it to dask-jobqueue's config."""

    partition: str | None = None
    account: str | None = None
    cores: int | None = None  # per job; one single-threaded worker process per core (one per job with GPUs)
    memory: str | None = None  # per job, e.g. "16GB"
    walltime: str | None = None  # "HH:MM:SS"
    gpus: int = 0  # per job (--gres=gpu:N)
    jobs: int = 1  # how many jobs to start
    prologue: tuple[str, ...] = ()  # shell lines a job runs before its workers start
    options: dict[str, Any] = field(default_factory=dict)  # any other dask_jobqueue.SLURMCluster argument


@dataclass(frozen=True)
class ClusterSpec:
    kind: str  # "local", "address" or "slurm"
    workers: int = 0  # local: how many worker processes
    address: str = ""  # address: the scheduler's
    slurm: SlurmSettings | None = None

    def describe(self) -> str:
        if self.kind == "local":
            return f"a local Dask cluster of {self.workers} worker process(es)"
        if self.kind == "address":
            return f"the Dask scheduler at {self.address}"
        return "a Slurm cluster (dask-jobqueue)"


def parse(text: str) -> ClusterSpec:
    """``local:N`` (``local`` alone: one worker per CPU), ``SCHEME://HOST:PORT`` or ``slurm``."""
    text = text.strip()
    if text == "slurm":
        return ClusterSpec("slurm", slurm=SlurmSettings())
    if re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", text):
        return ClusterSpec("address", address=text)
    match = re.fullmatch(r"local(?::(\d+))?", text)
    if not match:
        raise Hw7Error(f"{USAGE}; got {text!r}")
    workers = int(match.group(1)) if match.group(1) else (os.cpu_count() or 1)
    if workers < 1:
        raise Hw7Error(f"--cluster local:N needs at least one worker, got {workers}")
    return ClusterSpec("local", workers=workers)


#: the flags that override the file's settings (the argparse ``dest`` equals the SlurmSettings field)
SLURM_FLAGS = ("partition", "account", "cores", "memory", "walltime", "gpus", "jobs")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--cluster`` and the Slurm settings, in a group of their own (``run`` and ``verify`` share them)."""
    group = parser.add_argument_group("cluster (Dask; see README, 'Running on a cluster')")
    group.add_argument("--cluster", metavar="SPEC",
                       help="compute on Dask: local:N (N worker processes on this machine), tcp://HOST:PORT "
                            "(a running scheduler) or slurm (dask-jobqueue); default: in this process")
    group.add_argument("--cluster-config", metavar="FILE", type=Path,
                       help=f"Slurm settings (YAML; default ${CONFIG_ENV}, else hw7-cluster.yaml if present; "
                            "keys: docs/hw7-cluster.example.yaml)")
    group.add_argument("--partition", help="Slurm partition")
    group.add_argument("--account", help="Slurm account to charge")
    group.add_argument("--cores", type=int, help="Slurm: CPU cores per job (one worker process per core)")
    group.add_argument("--memory", help="Slurm: memory per job, e.g. 16GB")
    group.add_argument("--walltime", help="Slurm: time limit per job, HH:MM:SS")
    group.add_argument("--gpus", type=int, help="Slurm: GPUs per job (then one worker per job)")
    group.add_argument("--jobs", type=int, help="Slurm: how many jobs to start (default 1)")


def from_args(args: argparse.Namespace) -> ClusterSpec | None:
    """The spec the command line asks for, or None (compute in this process). Slurm flags need ``slurm``."""
    given = [name for name in SLURM_FLAGS if getattr(args, name, None) is not None]
    if getattr(args, "cluster_config", None) is not None:
        given.append("cluster_config")
    if not getattr(args, "cluster", None):
        if given:
            raise Hw7Error(f"--{given[0].replace('_', '-')} only applies with --cluster slurm")
        return None
    spec = parse(args.cluster)
    if spec.kind != "slurm":
        if given:
            raise Hw7Error(f"--{given[0].replace('_', '-')} only applies with --cluster slurm, not {args.cluster}")
        return spec
    settings = load_settings(args.cluster_config)
    flags = {name: getattr(args, name) for name in SLURM_FLAGS if getattr(args, name, None) is not None}
    return replace(spec, slurm=_checked(replace(settings, **flags), "the command line"))


def config_path(given: Path | None) -> Path | None:
    if given is not None:
        return given
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def load_settings(given: Path | None = None) -> SlurmSettings:
    """The ``slurm:`` section of the settings file (an empty one when there is no file)."""
    path = config_path(given)
    if path is None:
        return SlurmSettings()
    import yaml

    try:
        doc = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise Hw7Error(f"cannot read the cluster settings {path} ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise Hw7Error(f"the cluster settings {path} are not valid YAML ({str(exc).splitlines()[0]})") from None
    section = doc.get("slurm") if isinstance(doc, dict) else None
    if not isinstance(section, dict):
        raise Hw7Error(f"the cluster settings {path} need a 'slurm:' mapping (see docs/hw7-cluster.example.yaml)")
    known = {f.name for f in fields(SlurmSettings)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise Hw7Error(f"the cluster settings {path} have unknown keys {unknown}; known: {sorted(known)}")
    values = dict(section)
    if isinstance(values.get("prologue"), str):
        values["prologue"] = [values["prologue"]]
    values["prologue"] = tuple(values.get("prologue") or ())
    values["options"] = dict(values.get("options") or {})
    return _checked(SlurmSettings(**values), str(path))


def _checked(s: SlurmSettings, where: str) -> SlurmSettings:
    """One line naming the setting when a value has the wrong type or range."""
    for name in ("partition", "account", "memory", "walltime"):
        value = getattr(s, name)
        if value is not None and not isinstance(value, str):
            raise Hw7Error(f"Slurm setting {name} in {where} must be text, got {value!r}")
    for name, low in (("cores", 1), ("gpus", 0), ("jobs", 1)):
        value = getattr(s, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
            raise Hw7Error(f"Slurm setting {name} in {where} must be a whole number >= {low}, got {value!r}")
    if s.walltime is not None and not re.fullmatch(r"(\d+-)?\d{1,3}(:\d\d){0,2}", s.walltime):
        raise Hw7Error(f"Slurm setting walltime in {where} must look like HH:MM:SS, got {s.walltime!r}")
    if not all(isinstance(line, str) for line in s.prologue):
        raise Hw7Error(f"Slurm setting prologue in {where} must be a list of shell lines")
    return s
