"""Issue 28: every entry is checked for sense when read, not only for its checksum.

An entry whose checksum was recomputed after an edit (``cache_fixtures.tamper``) used to be accepted
whatever it held: an accuracy of 1.7 passed ``list``, ``summary`` and ``verify --summary`` and the
book printed "122.22 % ± 41.38"; a negative distance and a ``kind`` that contradicts the key passed
too; a missing field, a string result or an empty history crashed the summary with a traceback; a
decoy file holding another run's key hid the entry the book reads from ``diff``; a key named twice
made the file's text and the value used differ; and metadata text went raw into Appendix D's HTML.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from cache_fixtures import tamper
from cli_output import one_line as _one_line
from hw7 import REPO_ROOT, cli
from hw7.errors import CacheCorrupt
from hw7.instructors import compare
from hw7.present import fmt
from hw7.store import cache, loader, provenance, registry, summary

COMMITTED = REPO_ROOT / "cache"
EVAL_SIZE = 10_000  # MNIST's test set (and the validation split's held-out sixth)




def _first(experiment: str, root: Path) -> tuple[registry.Run, Path]:
    run = registry.get(experiment).runs[0]
    return run, cache.entry_path(run, root)




def test_every_kind_has_a_result_check():
    from hw7.store import schema

    assert set(schema.RESULT_CHECKS) == set(registry.CODE_VERSION)


def _set(*path, value):
    """An edit that sets entry[path...] = value."""
    def edit(entry):
        target = entry
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return edit


def _drop(*path):
    def edit(entry):
        target = entry
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
    return edit


# experiment, edit, what the message names: each an entry no runner can write, with a valid checksum
IMPOSSIBLE = {
    "accuracy 1.7": ("p2-c-final", lambda e: e["result"]["eval_acc"].__setitem__(-1, 1.7), "eval_acc"),
    "negative distance": ("p1-b", _set("result", "final_dist", value=-1.0), "final_dist"),
    "kind contradicts key": ("p1-b", _set("kind", value="zoo"), "key"),
    "key of another run": ("p1-b", _set("key", value="0123456789abcdef"), "key"),
    "missing field": ("p2-c-final", _drop("result", "eval_acc"), "eval_acc"),
    "string result": ("p2-c-final", _set("result", value="oops"), "result"),
    "empty history": ("p2-c-final", _set("result", "eval_acc", value=[]), "eval_acc"),
    "history shorter than the epochs": ("p2-c-final", lambda e: e["result"]["train_loss"].pop(), "train_loss"),
    "NaN before divergence": ("p2-c-final", lambda e: e["result"]["eval_acc"].__setitem__(0, math.nan), "eval_acc"),
    "negative loss": ("p2-c-final", lambda e: e["result"]["eval_loss"].__setitem__(2, -0.1), "eval_loss"),
    "zoo accuracy above 1": ("app-zoo", lambda e: e["result"]["test_acc"].__setitem__(3, 1.2), "test_acc"),
    "sweep rates not the config's": ("p1-lr-sweep", lambda e: e["result"]["lrs"].__setitem__(0, 9.0), "lrs"),
    "lnn negative noise floor": ("app-lnn-lr", _set("result", "noise_floor", value=-0.5), "noise_floor"),
    "numpy net history cut": ("app-numpy-mnist", lambda e: e["result"]["eval_acc"].pop(), "eval_acc"),
    "negative gradient-check error": ("app-numpy-gradcheck",
                                      lambda e: e["result"]["max_rel_error"].__setitem__("relu", -1.0), "relu"),
    "markup-free but multi-line platform": ("p1-b", _set("meta", "platform", value="a\nb"), "platform"),
    "a date that is none": ("p1-b", _set("meta", "created", value="yesterday"), "created"),
    "unknown field": ("p1-b", _set("result", "bonus", value=1), "bonus"),
}


@pytest.mark.parametrize("case", sorted(IMPOSSIBLE))
def test_an_impossible_entry_with_a_valid_checksum_is_corrupt(cache_copy, case):
    experiment, edit, field = IMPOSSIBLE[case]
    run, path = _first(experiment, cache_copy)
    tamper(path, edit)
    assert cache.state(run) == "CORRUPT"
    with pytest.raises(CacheCorrupt, match=field) as caught:
        cache.read_entry(run)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_the_book_never_shows_an_accuracy_of_1_7(cache_copy):
    run, path = _first("p2-c-final", cache_copy)
    tamper(path, lambda e: e["result"]["eval_acc"].__setitem__(-1, 1.7))
    with pytest.raises(CacheCorrupt, match="eval_acc"):
        loader.load("p2-c-final")  # what every chapter reads entries through


def test_list_summary_and_verify_say_corrupt_in_one_line(cache_copy, capsys):
    """The probe's accuracy of 1.7 passed all three; a missing field crashed the summary with a traceback."""
    tamper(_first("p2-c-final", cache_copy)[1], lambda e: e["result"]["eval_acc"].__setitem__(-1, 1.7))
    tamper(_first("p2-b-adam-lr", cache_copy)[1], _drop("result", "eval_acc"))
    capsys.readouterr()
    assert cli.main(["list"]) == 2
    assert "CORRUPT" in capsys.readouterr().out
    assert cli.main(["summary"]) == 2
    assert "p2-c-final" in _one_line(capsys.readouterr().err)
    assert cli.main(["verify", "--summary"]) == 1
    assert "CORRUPT" in capsys.readouterr().out
    assert not summary.check().ok


def test_a_decoy_with_the_same_key_cannot_hide_a_tampered_entry_from_diff(tmp_path):
    """diff matched entries by the key written inside each file; a decoy holding the original hid the edit."""
    a, b = tmp_path / "a", tmp_path / "b"
    for side in (a, b):
        shutil.copytree(COMMITTED / "mnist", side / "mnist")
    run, path = _first("p2-c-final", b)
    shutil.copy(path, b / "mnist" / "zzzzdecoy.json")
    tamper(path, lambda e: e["result"]["eval_acc"].__setitem__(-1, 0.5))
    with pytest.raises(CacheCorrupt, match="zzzzdecoy"):
        compare.diff(str(a), str(b))
    (b / "mnist" / "zzzzdecoy.json").unlink()
    report = compare.diff(str(a), str(b))
    assert not report.ok and any("eval_acc" in d.metric for d in report.differences)


def test_a_key_named_twice_is_corrupt_in_an_entry_and_in_summary_json(cache_copy):
    run, path = _first("p2-c-final", cache_copy)
    text = path.read_text()
    path.write_text(text.replace("{", '{"result": {"eval_acc": [0.99]}, ', 1))  # json would keep the last one
    with pytest.raises(CacheCorrupt, match="twice"):
        cache.read_entry(run)
    stored = (cache_copy / "summary.json").read_text()
    (cache_copy / "summary.json").write_text(stored.replace("{", '{"p1.b.final_dist.gd": 1.0, ', 1))
    assert "twice" in str(summary.check().error())
    with pytest.raises(Exception, match="twice"):
        compare.load_summary(cache_copy / "summary.json")


# -- MNIST predictions (pred_counts, predictions, data_fingerprint): optional, and checked when there -----


def _with_predictions(entry, data_fingerprint="ab" * 32, images=EVAL_SIZE):
    """A committed test-split entry with consistent prediction fields, as runs record them now."""
    entry["result"]["data_fingerprint"] = data_fingerprint
    entry["result"]["pred_counts"] = [[images // 10] * 10 for _ in entry["result"]["eval_acc"]]
    entry["result"]["predictions"] = "0123456789" * (images // 10)


PREDICTIONS = {
    "a row of 9 classes": lambda r: r["pred_counts"][0].pop(),
    "a negative count": lambda r: r["pred_counts"][1].__setitem__(0, -1),
    "a row that misses an image": lambda r: r["pred_counts"][2].__setitem__(0, 999),
    "one row fewer than the epochs": lambda r: r["pred_counts"].pop(),
    "predictions one short": lambda r: r.__setitem__("predictions", r["predictions"][:-1]),
    "predictions with a letter": lambda r: r.__setitem__("predictions", "x" + r["predictions"][1:]),
    "predictions that disagree with the counts": lambda r: r.__setitem__("predictions", "1" + r["predictions"][1:]),
    "a fingerprint that is no digest": lambda r: r.__setitem__("data_fingerprint", "not-a-digest"),
}


def test_prediction_fields_are_accepted_when_they_make_sense(cache_copy):
    run, path = _first("p2-c-final", cache_copy)
    tamper(path, _with_predictions)
    assert cache.state(run) == "cached"


def test_a_known_copy_of_mnist_has_10000_evaluation_images(cache_copy):
    """Counts and predictions of 100 images are a fixture's (fine), not a run on the listed MNIST copy."""
    from hw7.mnist.known_data import KNOWN

    run, path = _first("p2-c-final", cache_copy)
    tamper(path, lambda e: _with_predictions(e, images=100))
    assert cache.state(run) == "cached"
    tamper(path, lambda e: _with_predictions(e, next(iter(KNOWN)), images=100))
    assert cache.state(run) == "CORRUPT"


@pytest.mark.parametrize("case", sorted(PREDICTIONS))
def test_prediction_fields_that_make_no_sense_are_corrupt(cache_copy, case):
    run, path = _first("p2-c-final", cache_copy)

    def edit(entry):
        _with_predictions(entry)
        PREDICTIONS[case](entry["result"])

    tamper(path, edit)
    assert cache.state(run) == "CORRUPT"


# -- Appendix D prints entry text escaped -------------------------------------------------------------


def test_entry_text_is_escaped_where_the_book_prints_it(cache_copy):
    run, path = _first("p1-b", cache_copy)

    def hostile(entry):
        entry["meta"]["platform"] = "<script>alert(1)</script>"
        entry["meta"]["versions"]["numpy"] = "<img src=x onerror=alert(1)>"
        entry["meta"]["device"] = "cpu|*x*"

    tamper(path, hostile)
    tables = [provenance.markdown(provenance.environment_table()),
              provenance.markdown(provenance.run_table()), provenance.markdown(provenance.experiment_table())]
    for table in tables:
        assert "<script" not in table and "<img" not in table
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in tables[0] and "cpu\\|\\*x\\*" in tables[0]


def test_plain_text_is_unchanged_by_escaping_except_for_markup():
    assert fmt.text("python 3.11.7, numpy 2.4.6") == "python 3.11.7, numpy 2.4.6"
    assert fmt.text("x86_64") == "x86\\_64"  # pandoc renders \_ as _
    assert fmt.text("a\nb") == "a b"
