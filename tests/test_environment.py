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
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    from_pyproject = _pins(project["dependencies"])
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    from_conda = _pins(pip_section)
    assert from_pyproject, "pyproject.toml pins nothing"
    assert from_conda == from_pyproject
    assert len(from_pyproject) == len(project["dependencies"]), "every dependency must be pinned with =="


def test_every_dependency_is_pinned_in_environment_yml_too():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    loose = [p for p in pip_section if not p.startswith("-") and "==" not in p]
    assert loose == []
