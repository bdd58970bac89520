"""environment.yml (conda users) and pyproject.toml must pin the same dependencies."""

from __future__ import annotations

import re

import tomllib
import yaml

from hw7 import REPO_ROOT


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_environment_yml_matches_pyproject():
    """environment.yml holds every pin of pyproject.toml: the dependencies and the optional extras (a conda
    environment is the whole toolset; `pip install -e .` leaves the extras out)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    extras = [dep for group in project.get("optional-dependencies", {}).values() for dep in group]
    from_pyproject = _pins(project["dependencies"])
    from_extras = _pins(extras)
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    from_conda = _pins(pip_section)
    assert from_pyproject, "pyproject.toml pins nothing"
    assert not set(from_extras) & set(from_pyproject), "an extra repeats a dependency"
    assert from_conda == from_pyproject | from_extras
    assert len(from_pyproject) == len(project["dependencies"]), "every dependency must be pinned with =="
    assert len(from_extras) == len(extras), "every optional dependency must be pinned with =="


def test_the_cluster_extra_is_optional():
    """`--cluster slurm` needs dask-jobqueue, an extra; the cluster code imports it only when asked for it."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert "dask-jobqueue" in _pins(project["optional-dependencies"]["cluster"])
    assert "distributed" in _pins(project["dependencies"])  # the tests run a LocalCluster: a core dependency
    sources = "\n".join(p.read_text() for p in (REPO_ROOT / "code" / "hw7").rglob("*.py"))
    imports = re.findall(r"^( *)(?:from|import) dask_jobqueue", sources, flags=re.M)
    assert imports and all(indent for indent in imports), "dask_jobqueue must be imported inside a function"


def test_every_dependency_is_pinned_in_environment_yml_too():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    loose = [p for p in pip_section if not p.startswith("-") and "==" not in p]
    assert loose == []
