"""Every command works on the project it runs in (issue 27), not on the checkout its package came from.

The issue: an instructor's `hw7` (clone A), run inside a student's clone B whose entry had been edited,
checked A's cache and passed three times. Here B is a real `git clone` of a small project (this
checkout's `_quarto.yml`, `cache/` and `benchmarks/`); A is this checkout's code, run with B as the
current folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cache_fixtures import tamper
from cli_output import after_header
from hw7 import REPO_ROOT, cli, project
from hw7.errors import Hw7Error
from hw7.mnist import checkpoint, data
from hw7.store import cache, registry, summary

CODE = REPO_ROOT / "code"
METRIC = "p1.b.final_dist.gd"


def _git(*argv: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", *argv],
                   cwd=cwd, check=True, capture_output=True)


def _make_project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "_quarto.yml", folder)
    shutil.copytree(REPO_ROOT / "cache", folder / "cache")
    shutil.copytree(REPO_ROOT / "benchmarks", folder / "benchmarks", ignore=shutil.ignore_patterns("*.py"))
    return folder


@pytest.fixture(scope="module")
def clone_b(tmp_path_factory) -> Path:
    """A git clone of a small project, then one cheap Problem 1 entry edited (checksum redone, so only
    recomputing tells) and one headline number of its summary.json edited by hand."""
    base = tmp_path_factory.mktemp("clones")
    origin = _make_project(base / "origin")
    _git("init", "-q", cwd=origin)
    _git("add", "-A", cwd=origin)
    _git("commit", "-q", "-m", "a submission", cwd=origin)
    _git("clone", "-q", str(origin), str(base / "b"), cwd=base)
    b = base / "b"
    run = registry.get("p1-c").runs[0]
    tamper(cache.entry_path(run, b / "cache"), lambda e: e["result"]["dist"].__setitem__(
        1, e["result"]["dist"][1] * (1 + 1e-6)))  # a distance along its path (the run diverges at step 3)
    values = json.loads((b / "cache" / "summary.json").read_text())
    values[METRIC] *= 2
    (b / "cache" / "summary.json").write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
    return b


def _clone_a_hw7(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    """This checkout's `python -m hw7`, run in ``cwd`` (no HW7_CACHE_DIR: the project decides)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HW7_")}
    env["PYTHONPATH"] = os.pathsep.join([str(CODE), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "hw7", *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_clone_a_run_inside_clone_b_checks_b(clone_b):
    """verify --summary, diff --rev HEAD and verify of the edited run all fail (exit 1) and name B's files."""
    checked = _clone_a_hw7(clone_b, "verify", "--summary", "--json")
    assert checked.returncode == 1, checked.stderr
    assert after_header(checked.stderr) == "" and str(clone_b / "cache") in checked.stderr.splitlines()[0]
    doc = json.loads(checked.stdout)  # the first line went to stderr: stdout is JSON
    assert doc["summary"] == str(clone_b / "cache" / "summary.json")
    assert METRIC in [d["metric"] for d in doc["differences"]]

    diffed = _clone_a_hw7(clone_b, "diff", "--rev", "HEAD")
    assert diffed.returncode == 1, diffed.stderr
    assert METRIC in diffed.stdout and str(clone_b) in diffed.stderr.splitlines()[0]

    key = registry.get("p1-c").runs[0].key
    verified = _clone_a_hw7(clone_b, "verify", "--key", key, "--no-progress")
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert "MISMATCH" in verified.stdout and "dist[1]" in verified.stdout


def test_project_option_overrides_the_current_folder(clone_b, tmp_path):
    elsewhere = tmp_path / "not-a-project"
    elsewhere.mkdir()
    proc = _clone_a_hw7(elsewhere, "--project", str(clone_b), "verify", "--summary")
    assert proc.returncode == 1 and METRIC in proc.stdout
    assert proc.stderr.splitlines()[0].startswith(f"hw7: cache {clone_b / 'cache'} (project {clone_b}, --project)")



def test_project_option_after_the_command_and_a_subfolder(clone_b, tmp_path, monkeypatch, capsys):
    """In process: --project after the command; a subfolder of B (where Quarto executes a chapter) is in B."""
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["verify", "--summary", "--project", str(clone_b)]) == 1
    assert METRIC in capsys.readouterr().out
    (clone_b / "report").mkdir(exist_ok=True)
    monkeypatch.chdir(clone_b / "report")
    assert cli.main(["diff", "--rev", "HEAD"]) == 1
    out, err = capsys.readouterr()
    assert METRIC in out and f"of project {clone_b} (found from the current folder)" in err.splitlines()[0]


# ------------------------------------------------------------------------------------------------ in process


@pytest.fixture
def fake_project(tmp_path, monkeypatch):
    """An empty project (the two markers) with a nested folder, as the current folder; no HW7_CACHE_DIR."""
    root = tmp_path / "proj"
    (root / "cache").mkdir(parents=True)
    (root / "_quarto.yml").write_text("project:\n  type: book\n")
    (root / "report" / "deep").mkdir(parents=True)
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    monkeypatch.delenv("HW7_DATA_ROOT", raising=False)
    monkeypatch.delenv("HW7_CHECKPOINT_DIR", raising=False)
    monkeypatch.chdir(root / "report" / "deep")
    yield root.resolve()
    project.use(None)


def test_every_path_follows_the_project_found_from_the_current_folder(fake_project):
    assert project.root() == fake_project and project.how_found() == "found from the current folder"
    assert cache.cache_root() == fake_project / "cache"
    assert summary.summary_path() == fake_project / "cache" / "summary.json"
    assert summary.benchmark_file() == fake_project / "benchmarks" / "results.json"
    assert checkpoint.checkpoint_dir() == fake_project / ".checkpoints"
    shared = fake_project.parent / "shared" / "data"
    assert data.default_root() == fake_project / "data"  # no ../shared/data beside it
    shared.mkdir(parents=True)
    assert data.default_root() == shared


def test_a_folder_needs_both_markers(tmp_path):
    (tmp_path / "a" / "cache").mkdir(parents=True)  # cache/ but no _quarto.yml
    assert project.find(tmp_path / "a") is None
    (tmp_path / "a" / "_quarto.yml").write_text("")
    assert project.find(tmp_path / "a" / "cache") == (tmp_path / "a").resolve()


def test_cache_dir_variable_replaces_only_the_cache(fake_project, tmp_path, monkeypatch):
    monkeypatch.setenv("HW7_CACHE_DIR", str(tmp_path / "scratch"))
    assert cache.cache_root() == tmp_path / "scratch"
    assert summary.benchmark_file() == fake_project / "benchmarks" / "results.json"
    assert "HW7_CACHE_DIR" in project.describe_cache()


def test_project_option_must_name_a_project(fake_project, tmp_path, capsys):
    assert cli.main(["--project", str(tmp_path), "list"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hw7: error: --project") and "_quarto.yml" in err and len(err.splitlines()) == 1
    with pytest.raises(Hw7Error):
        project.use(tmp_path)


def test_the_override_ends_with_the_command(fake_project, capsys):
    assert cli.main(["--project", str(REPO_ROOT), "list", "p1-b"]) == 0
    assert project.root() == fake_project
    assert capsys.readouterr().err.startswith(f"hw7: cache {REPO_ROOT / 'cache'}")


def test_outside_any_project_the_package_checkout_is_used_and_said(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    assert project.root() == REPO_ROOT
    assert "no project encloses" in project.describe_cache()
