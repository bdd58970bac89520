"""Issue 20's nine faults, each reproduced as the fault probe found it, and the two rules made consistent.

1. an edited or stale ``summary.json`` is named (chapters' loader and ``hw7 verify --summary``), and a
   damaged entry elsewhere no longer keeps ``summary``/``run`` from rebuilding it;
2. a read-only cache fails in one line *before* computing;
3. ``summary.json`` is written atomically (a full disk leaves the old file);
4. ``diff --rev`` never hands git an option;
5. entries and the summary get the umask's mode, not ``mkstemp``'s 0600;
6. a missing entry names its experiment and the command, instead of a ValueError in a chapter;
7. an IDX header whose sizes overflow int64 is a one-line data error;
8. a folder at an entry's path, or a cache root that is a file: one verdict everywhere, before computing;
9. ``diff --json`` is strict JSON.

Plus: ``list`` exits 2 on a CORRUPT entry; one rule for "diverged" (:mod:`hw7.divergence`).
Most tests work on a copy of the committed cache (5 MB, copied in milliseconds; rebuilding its
summary reads every entry, about half a second).
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli_output import after_header
from hw7 import REPO_ROOT, cli, divergence, headline
from hw7.errors import CacheCorrupt, CacheMissing, Hw7Error, SummaryStale
from hw7.instructors import compare, verify
from hw7.mnist import tables
from hw7.mnist.data import MnistDataError, load_mnist
from hw7.store import cache, registry, summary
from mnist_fixtures import NAMES, make_mnist

HERE = Path(__file__).resolve().parent
COMMITTED = REPO_ROOT / "cache"
GD_KEY = "p1.b.final_dist.gd"




def _edit_summary(root: Path, **values: float) -> None:
    stored = json.loads((root / "summary.json").read_text())
    stored.update(values)
    (root / "summary.json").write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")


def _one_line(err: str) -> str:
    err = after_header(err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def _subprocess_env(root: Path) -> dict[str, str]:
    """A ``python -m hw7`` subprocess on cache ``root`` with tests/test_robustness.py's cheap registry."""
    return {**os.environ, "HW7_CACHE_DIR": str(root), "HW7_REGISTRY_MODULE": "test_robustness",
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}


# -- 1. summary.json is verified ------------------------------------------------------------------


def test_committed_summary_verifies(monkeypatch, capsys):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    assert cli.main(["verify", "--summary"]) == 0
    assert "agree" in capsys.readouterr().out
    assert summary.read() == json.loads((COMMITTED / "summary.json").read_text())


def test_edited_summary_is_named_by_the_loader_and_by_verify(cache_copy, capsys):
    true = summary.read()[GD_KEY]
    _edit_summary(cache_copy, **{GD_KEY: true / 100})  # 0.0126… -> 0.000126…
    with pytest.raises(SummaryStale) as err:
        summary.read()  # what index.qmd and the other chapters call
    message = str(err.value)
    assert "\n" not in message and GD_KEY in message and "(p1-b)" in message and "python -m hw7 summary" in message
    assert cli.main(["verify", "--summary"]) == 1
    out = capsys.readouterr().out
    assert GD_KEY in out and repr(true) in out and "MISMATCH" in out
    assert cli.main(["verify", "--summary", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [d["metric"] for d in report["differences"]] == [GD_KEY] and report["differences"][0]["entries"] == true
    assert cli.main(["summary"]) == 0  # the fix the message names
    assert summary.read()[GD_KEY] == true


def test_verify_runs_and_summary_together_fails_on_either(cache_copy, capsys):
    _edit_summary(cache_copy, **{"p1.c.final_dist.adam": 0.5})
    key = registry.get("p1-c").runs[0].key
    assert cli.main(["verify", "--summary", "--key", key, "--json"]) == 1  # the run agrees; the summary does not
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["runs"][0]["status"] in ("identical", "equivalent")
    assert [d["metric"] for d in doc["summary"]["differences"]] == ["p1.c.final_dist.adam"]


def test_summary_key_missing_or_extra_is_a_mismatch(cache_copy):
    stored = json.loads((cache_copy / "summary.json").read_text())
    del stored[GD_KEY]
    stored["p9.invented"] = 1.0
    (cache_copy / "summary.json").write_text(json.dumps(stored))
    check = summary.check()
    assert not check.ok and {m.metric for m in check.mismatches} == {GD_KEY, "p9.invented"}


def test_chapters_read_the_summary_through_the_verified_loader():
    """No chapter opens summary.json itself: each goes through hw7.store.summary.read()."""
    chapters = [REPO_ROOT / "index.qmd", *sorted((REPO_ROOT / "report").glob("*.qmd"))]
    readers = []
    for path in chapters:
        text = path.read_text()
        assert "summary.read_file" not in text and "summary_path" not in text, path
        assert not any("summary.json" in line and ("open(" in line or "read_text" in line or "json.load" in line)
                       for line in text.splitlines()), path
        if "summary.read()" in text or "headline.table()" in text:
            readers.append(path.name)
    assert "index.qmd" in readers  # the preface's table reads the summary through hw7.headline


def test_the_preface_table_reads_the_summary_through_the_verified_loader(monkeypatch):
    """hw7.headline.table() (the preface) gets summary.json only from hw7.store.summary.read()."""
    from hw7.findings import source
    from hw7.store import summary

    sentinel = {"verified": True}
    monkeypatch.setattr(summary, "read", lambda *a, **k: sentinel)
    assert source.summary_values() is sentinel


def test_damaged_entry_elsewhere_does_not_leave_the_summary_stale(cache_copy, capsys):
    """`run X --force` with an unrelated CORRUPT entry saved its runs, exited 2 and left summary.json stale."""
    zoo = sorted((cache_copy / "zoo").glob("*.json"))[0]
    zoo.write_text("damaged")
    true = json.loads((cache_copy / "summary.json").read_text())[GD_KEY]
    _edit_summary(cache_copy, **{GD_KEY: 1.0})  # stale
    p1c = [cache.entry_path(r) for r in registry.get("p1-c").runs]
    before = {p: p.stat().st_mtime_ns for p in p1c}
    assert cli.main(["run", "p1-c", "--force", "--no-progress"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert str(zoo) in err and "python -m hw7 run app-zoo --force" in err
    assert all(p.stat().st_mtime_ns != before[p] for p in p1c)  # its runs were saved
    rebuilt = summary.read_file()
    assert rebuilt[GD_KEY] == true  # rebuilt from every entry that verifies
    assert not any(k.startswith("app.zoo") for k in rebuilt)  # the damaged experiment is left out, and named
    with pytest.raises(CacheCorrupt, match="app-zoo --force"):
        summary.read()
    assert cli.main(["verify", "--summary"]) == 1


# -- 2. a read-only cache fails before computing ------------------------------------------------------


def test_unwritable_cache_fails_before_computing(scratch_cache, tiny_registry, monkeypatch, capsys):
    """Whoever runs it (root ignores permission bits): the check tries to create a file."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    def must_not_run(*args, **kwargs):
        raise AssertionError("computed although the results could not be saved")

    monkeypatch.setattr(cache.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(registry, "runner", lambda kind: must_not_run)
    assert cli.main(["run", "tiny", "--no-progress"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "Permission denied" in err and "nothing was computed" in err and "HW7_CACHE_DIR" in err


def _without_permission_override() -> list[str] | None:
    """A command prefix that makes permission bits apply: none for a normal user; for root, dropping the
    capabilities that override them (setpriv); None when that is not possible here."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_read_only_cache_as_a_person_meets_it(tmp_path):
    prefix = _without_permission_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: permission bits cannot be made to apply")
    root = tmp_path / "cache"
    env = _subprocess_env(root)
    assert subprocess.run([sys.executable, "-m", "hw7", "run", "p1-b", "--no-progress"], env=env,
                          capture_output=True).returncode == 0
    before = {p: p.read_bytes() for p in root.rglob("*.json")}
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        proc = subprocess.run([*prefix, sys.executable, "-m", "hw7", "run", "p1-b", "--force", "--no-progress"],
                              env=env, capture_output=True, text=True, timeout=120)
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
    assert proc.returncode == 2, proc.stderr
    assert "nothing was computed" in _one_line(proc.stderr) and "computing" not in proc.stdout
    assert {p: p.read_bytes() for p in root.rglob("*.json")} == before


# -- 3. summary.json is written atomically -------------------------------------------------------------


def test_full_disk_leaves_the_old_summary(cache_copy):
    """Under `ulimit -f 2` the plain write_text left summary.json truncated at 2 KiB."""
    _edit_summary(cache_copy, **{GD_KEY: 1.0})
    old = (cache_copy / "summary.json").read_bytes()
    assert len(old) > 4096

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    proc = subprocess.run([sys.executable, "-m", "hw7", "summary"], env=dict(os.environ), capture_output=True,
                          text=True, timeout=120, preexec_fn=limit_file_size)
    assert proc.returncode == 2 and "File too large" in _one_line(proc.stderr)
    assert (cache_copy / "summary.json").read_bytes() == old
    assert not list(cache_copy.glob(".*.tmp"))


# -- 4. diff --rev never passes an option to git ---------------------------------------------------------


def test_rev_that_looks_like_an_option_is_refused(tmp_path, capsys):
    target = tmp_path / "out"
    (tmp_path / "out:cache").mkdir()  # where `git show --output=out:cache/summary.json` would write
    assert cli.main(["diff", f"--rev=--output={target}"]) == 2
    assert "not a git revision" in _one_line(capsys.readouterr().err)
    assert list((tmp_path / "out:cache").iterdir()) == []
    for rev in ("-p", "--all", ""):
        with pytest.raises(Hw7Error, match="not a git revision"):
            compare.summary_at_rev(rev)


# -- 5. entries honour the umask -------------------------------------------------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_entries_and_summary_get_the_umask_mode(scratch_cache, tiny_registry, umask, mode):
    old = os.umask(umask)
    try:
        path = cache.write_entry(tiny_registry["tiny"].runs[0], {"final_dist": 1.0}, seconds=1.0)
        written, _ = summary.write()
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode
    assert written.stat().st_mode & 0o777 == mode


# -- 6. a missing entry names its experiment and the command ---------------------------------------------


def test_missing_entry_names_experiment_and_command(cache_copy, capsys):
    cache.entry_path(registry.get("p1-b").runs[0]).unlink()
    assert cli.main(["summary"]) == 0  # a cache being filled is a normal state …
    with pytest.raises(CacheMissing) as err:  # … but the preface cannot be shown from it
        headline.answers(summary.read())
    assert "p1-b" in str(err.value) and "`python -m hw7 run p1-b`" in str(err.value)
    assert cli.main(["verify", "--summary"]) == 1


def test_summary_command_names_what_it_left_out(cache_copy, capsys):
    cache.entry_path(registry.get("p1-b").runs[0]).unlink()
    assert cli.main(["summary"]) == 0
    out = capsys.readouterr().out
    assert "left out: p1-b" in out and "`python -m hw7 run p1-b`" in out


# -- 7. IDX sizes are checked in Python integers -------------------------------------------------------


def test_idx_header_whose_sizes_overflow_int64(tmp_path):
    root = make_mnist(tmp_path, n_train=30, n_test=10)
    dims = [1497843863, 343472, 179280]  # product = 2**66 * 5 … ≡ 7,840,000 (mod 2**64): np.prod matched the data size
    assert int(np.prod(np.array(dims, dtype=np.int64))) == 7_840_000
    header = (2051).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    (root / "MNIST" / "raw" / NAMES["test"][0]).write_bytes(header + bytes(7_840_000))
    with pytest.raises(MnistDataError, match="header says") as err:
        load_mnist(root, check_counts=False)
    assert "\n" not in str(err.value) and str(math.prod(dims)) in str(err.value)


# -- 8. one verdict for a folder at an entry's path, and for a cache root that is a file ---------------


def test_folder_at_an_entry_path_is_corrupt_everywhere(scratch_cache, tiny_registry, monkeypatch, capsys):
    assert cli.main(["run", "tiny", "--no-progress"]) == 0
    run = tiny_registry["tiny"].runs[0]
    path = cache.entry_path(run)
    path.unlink()
    path.mkdir()
    assert cache.state(run) == "CORRUPT"
    capsys.readouterr()
    assert cli.main(["list", "-v", "tiny"]) == 2
    captured = capsys.readouterr()
    assert "CORRUPT" in captured.out and "missing" not in captured.out
    assert verify.verify([run], progress=False)[0].status == "CORRUPT"
    monkeypatch.setattr(registry, "runner", lambda kind: pytest.fail("computed before refusing"))
    assert cli.main(["run", "tiny", "--no-progress"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert f"rm -r {path}" in err and "nothing was computed" in err
    assert path.is_dir()  # a person's folder is never removed for them


def test_cache_root_that_is_a_file_is_one_error_everywhere(tmp_path, tiny_registry, monkeypatch, capsys):
    afile = tmp_path / "not-a-folder"
    afile.write_text("x")
    monkeypatch.setenv("HW7_CACHE_DIR", str(afile))
    monkeypatch.setattr(registry, "runner", lambda kind: pytest.fail("computed before refusing"))
    for argv in (["list"], ["summary"], ["run", "tiny", "--no-progress"], ["verify", "tiny", "--no-progress"],
                 ["verify", "--summary"]):
        assert cli.main(argv) == 2, argv
        err = _one_line(capsys.readouterr().err)
        assert "is not a folder" in err and "HW7_CACHE_DIR" in err, argv


# -- 9. diff --json is strict JSON ---------------------------------------------------------------------


def test_diff_json_is_strict_even_when_a_difference_overflows(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text('{"b": 1e308}')
    b.write_text('{"b": -1e308}')
    assert cli.main(["diff", str(a), str(b), "--json"]) == 1
    out = capsys.readouterr().out

    def reject(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    report = json.loads(out, parse_constant=reject)
    assert report["differences"][0]["abs_diff"] == "inf"


# -- list's exit status, and what counts as diverged ------------------------------------------------------


def test_list_exits_nonzero_on_a_corrupt_entry_only(scratch_cache, tiny_registry, capsys):
    assert cli.main(["list", "tiny"]) == 0  # nothing cached yet: missing is not an error
    assert cli.main(["run", "tiny", "--no-progress"]) == 0
    cache.entry_path(tiny_registry["tiny"].runs[1]).write_text("{")
    capsys.readouterr()
    assert cli.main(["list", "tiny"]) == 2
    assert "python -m hw7 run tiny --force" in _one_line(capsys.readouterr().err)


def _mnist_entry(train_loss: list[float], recorded: int | None, seed: int) -> dict:
    n = len(train_loss)
    return {"config": {"sizes": [784, 10, 10], "optimizer": "sgd", "lr": 1e4, "seed": seed},
            "meta": {"seconds": 1.0},
            "result": {"eval_set": "test", "epochs": list(range(1, n + 1)), "eval_acc": [0.1] * n,
                       "eval_loss": [2.3] * n, "train_loss": train_loss, "grad_ratio": [1.0] * n,
                       "diverged_epoch": recorded, "params": 7960}}


def test_one_rule_for_diverged():
    assert not divergence.loss_diverged(37.45) and not divergence.loss_diverged(2.3)
    assert all(divergence.loss_diverged(x) for x in (math.nan, math.inf, -math.inf, 5e25, divergence.LOSS_LIMIT, None))
    assert divergence.diverged_epoch([2.3, 5e25, 7e25]) == 2
    assert divergence.diverged_epoch([2.3, 5e25, math.nan], recorded=3) == 2
    assert divergence.diverged_epoch([2.3, 2.2], recorded=None) is None
    assert divergence.diverged_mask(np.array([1.0, 1e12, np.nan, 3.0])).tolist() == [False, True, True, False]
    # a finite blow-up (SGD at lr 1e4: loss 5e25 at chance accuracy) counts, as a non-finite loss always did
    entries = [_mnist_entry([2.3, 5e25, 5e25], None, 0), _mnist_entry([2.3, math.nan, math.nan], 2, 1),
               _mnist_entry([2.3, 1.0, 0.5], None, 2)]
    final = tables.finals(entries)
    assert final["diverged"].tolist() == [True, True, False]
    assert final["diverged_epoch"].tolist()[:2] == [2, 2]
    assert math.isnan(final["acc"][0]) and final["acc"][2] == 0.1
    assert int(tables.over_seeds(final, ["lr"])["diverged"].iloc[0]) == 2
    history = tables.history(entries)
    assert history[history["run"] == 0]["acc"].isna().tolist() == [False, True, True]
