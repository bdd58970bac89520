"""The cache must never hand back a result it cannot vouch for."""

from __future__ import annotations

import json
import os
import time

import pytest

from hw7.errors import CacheCorrupt, CacheMissing, CacheUnwritable
from hw7.store import cache, registry


def _run(**config) -> registry.Run:
    base = {"optimizer": "gd", "lr": 1e-4, "steps": 10, "init": [-4.0, -2.0]}
    base.update(config)
    return registry.Run("tiny", "rosenbrock", registry.canonical_json(base))


#: a result of the kind's shape (the cache checks entries for sense, issue 28); NaN where a result may hold one
RESULT = {"final": [0.5, 0.25], "final_dist": 1.25, "final_f": 6.5, "first_step_below": {"1e-1": -1},
          "tail_dist_min": 1.25, "tail_dist_max": 1.25, "tail_dist_median": 1.25, "tail_step_median": 0.1, "tail_step_max": 0.1,
          "diverged_step": -1, "steps": [0, 5, 10], "step_len": [0.0, 0.2, 0.1],
          "hess_eig_max": [200.0, float("nan"), 220.0], "xy": [[-4.0, -2.0], [0.0, 0.0], [0.5, 0.25]],
          "dist": [3.0, 2.0, 1.25], "f": [2509.0, 101.0, 6.5]}


def test_round_trip_keeps_result_and_records_provenance(scratch_cache):
    run = _run()
    path = cache.write_entry(run, RESULT, seconds=1.5, device="cpu")
    assert path == scratch_cache / "rosenbrock" / f"{run.key}.json"
    entry = cache.read_entry(run)
    assert entry["result"]["final_dist"] == 1.25
    assert entry["result"]["dist"] == [3.0, 2.0, 1.25]
    assert entry["result"]["hess_eig_max"][1] != entry["result"]["hess_eig_max"][1]  # NaN survives
    assert entry["config"] == run.config
    assert entry["meta"]["seconds"] == 1.5 and entry["meta"]["device"] == "cpu"
    assert "python" in entry["meta"]["versions"]


def test_key_changes_with_config_and_code_version(monkeypatch):
    assert _run().key != _run(lr=2e-4).key
    assert _run().key == _run().key
    before = _run().key
    monkeypatch.setitem(registry.CODE_VERSION, "rosenbrock", registry.CODE_VERSION["rosenbrock"] + 1)
    assert _run().key != before


def test_key_does_not_depend_on_dict_order():
    a = registry.Run("x", "rosenbrock", registry.canonical_json({"lr": 1.0, "steps": 3}))
    b = registry.Run("y", "rosenbrock", registry.canonical_json({"steps": 3, "lr": 1.0}))
    assert a.key == b.key


def test_missing_entry_names_the_command(scratch_cache):
    with pytest.raises(CacheMissing, match=r"python -m hw7 run tiny"):
        cache.read_entry(_run())


@pytest.mark.parametrize("damage", ["truncate", "edit_number", "not_json", "drop_checksum"])
def test_damaged_entry_is_detected_and_named(scratch_cache, damage):
    run = _run()
    path = cache.write_entry(run, RESULT, seconds=1.0)
    text = path.read_text()
    if damage == "truncate":
        path.write_text(text[: len(text) // 2])
    elif damage == "edit_number":
        path.write_text(text.replace("1.25", "1.26"))
    elif damage == "not_json":
        path.write_bytes(b"\x00\xff garbage")
    else:
        entry = json.loads(text)
        del entry["checksum"]
        path.write_text(json.dumps(entry))
    with pytest.raises(CacheCorrupt) as info:
        cache.read_entry(run)
    message = str(info.value)
    assert str(path) in message and "python -m hw7 run tiny --force" in message


def test_entry_moved_under_another_key_is_rejected(scratch_cache):
    a, b = _run(), _run(lr=5e-4)
    cache.write_entry(a, RESULT, seconds=1.0)
    target = cache.entry_path(b)
    target.parent.mkdir(parents=True, exist_ok=True)
    cache.entry_path(a).rename(target)
    with pytest.raises(CacheCorrupt, match="another config"):
        cache.read_entry(b)


def test_crash_during_write_leaves_no_entry_and_no_temp_file(scratch_cache, monkeypatch):
    run = _run()

    def exploding_dump(obj, handle, **kwargs):
        handle.write('{"half": ')
        raise RuntimeError("power cut")

    monkeypatch.setattr(cache.json, "dump", exploding_dump)
    with pytest.raises(RuntimeError):
        cache.write_entry(run, RESULT, seconds=1.0)
    assert not cache.entry_path(run).exists()
    assert list((scratch_cache / "rosenbrock").iterdir()) == []


def test_crash_during_rewrite_keeps_the_old_entry(scratch_cache, monkeypatch):
    run = _run()
    cache.write_entry(run, RESULT, seconds=1.0)
    monkeypatch.setattr(cache.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(CacheUnwritable, match="No space left"):  # one line for the CLI, not a traceback
        cache.write_entry(run, {**RESULT, "final_dist": 9.0}, seconds=1.0)
    assert cache.read_entry(run)["result"]["final_dist"] == 1.25


def test_stale_temp_files_are_removed(scratch_cache):
    """Only the temp files atomic_write makes (``.KEY.XXXXXXXX.tmp``); tests/test_hostile_files.py: nothing else."""
    folder = scratch_cache / "rosenbrock"
    folder.mkdir(parents=True)
    old, fresh = folder / ".0123456789abcdef.a1b2c3d4.tmp", folder / ".0123456789abcdef.e5f6g7h8.tmp"
    old.write_text('{"half": ')
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    fresh.write_text('{"being written')
    keep = folder / "abc.json"
    keep.write_text("{}")
    assert [p.name for p in cache.remove_stale_temp_files()] == [old.name]
    assert keep.exists() and fresh.exists() and not old.exists()
