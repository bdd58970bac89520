"""Issue 28: the MNIST files' identity is checked, and results say which data they were trained on.

With shuffled labels (still valid IDX files) a run trained to about 11 % and was saved as a normal entry
that recorded nothing about its data. Now every training runner loads through ``load_mnist``, which
stops before training on data whose fingerprint the project does not list (``HW7_ALLOW_UNKNOWN_DATA=1``
overrides it for a deliberate experiment); ``verify`` and ``diff`` compare the fingerprint entries record.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from cache_fixtures import tamper
from hw7 import REPO_ROOT
from hw7.errors import Hw7Error
from hw7.instructors import compare, verdicts, verify
from hw7.mnist import data as mnist_data
from hw7.mnist import runner as mnist_runner
from hw7.mnist.data import default_root, load_mnist
from hw7.store import cache, registry
from mnist_fixtures import NAMES, make_mnist, small_data

REAL = default_root() / "MNIST" / "raw"
ALLOW_ENV = "HW7_ALLOW_UNKNOWN_DATA"  # the documented override
needs_mnist = pytest.mark.skipif(not (REAL / NAMES["train"][0]).is_file(), reason="the MNIST files are not here")


def fingerprint(data) -> str:
    return mnist_data.fingerprint(data)


def known() -> dict[str, str]:
    from hw7.mnist.known_data import KNOWN

    return KNOWN


def test_a_copy_the_project_does_not_know_stops_before_training(tmp_path, monkeypatch):
    root = make_mnist(tmp_path / "data")
    with pytest.raises(Hw7Error, match=ALLOW_ENV):
        load_mnist(root, check_counts=False, require_known=True)
    monkeypatch.setenv(ALLOW_ENV, "1")  # the documented override, for a deliberate experiment
    data = load_mnist(root, check_counts=False, require_known=True)
    assert fingerprint(data) not in known()


def test_the_fingerprint_is_of_the_decoded_data_not_the_files(tmp_path):
    raw, gz = make_mnist(tmp_path / "raw"), make_mnist(tmp_path / "gz", gz=True)
    a, b = load_mnist(raw, check_counts=False), load_mnist(gz, check_counts=False)
    assert fingerprint(a) == fingerprint(b) == mnist_data._FINGERPRINTS[(raw.resolve() / "MNIST" / "raw", False)]
    assert fingerprint(a) != fingerprint(load_mnist(make_mnist(tmp_path / "other", seed=5), check_counts=False))


@needs_mnist
def test_this_machines_copy_is_on_the_list():
    assert fingerprint(load_mnist()) in known()


@needs_mnist
def test_shuffled_labels_stop_hw7_run_before_training(tmp_path, monkeypatch):
    """The probe's case: the real images with the training labels shuffled, valid IDX files all four."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in (NAMES["train"][0], *NAMES["test"]):
        (raw / name).symlink_to(REAL / name)
    labels = (REAL / NAMES["train"][1]).read_bytes()
    shuffled = np.frombuffer(labels, np.uint8, offset=8).copy()
    np.random.default_rng(0).shuffle(shuffled)
    (raw / NAMES["train"][1]).write_bytes(labels[:8] + shuffled.tobytes())
    monkeypatch.setenv("HW7_DATA_ROOT", str(tmp_path))
    monkeypatch.setattr(mnist_runner, "train_many", lambda *a, **k: pytest.fail("trained on unknown data"))
    config = registry.get("p2-c-final").runs[0].config
    with pytest.raises(Hw7Error, match="not a copy this project knows"):
        list(mnist_runner.run([config], progress=False))


@pytest.fixture
def one_mnist_entry(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    run = registry.get("p2-c-final").runs[0]
    (root / "mnist").mkdir(parents=True)
    shutil.copy(cache.entry_path(run, REPO_ROOT / "cache"), cache.entry_path(run, root))
    monkeypatch.setenv("HW7_CACHE_DIR", str(root))
    return run, root


def test_verify_says_when_an_entry_was_trained_on_other_data(one_mnist_entry, tmp_path, monkeypatch):
    run, root = one_mnist_entry
    tamper(cache.entry_path(run, root), lambda e: e["result"].__setitem__("data_fingerprint", "ab" * 32))
    monkeypatch.setattr(verify, "recompute_mnist", lambda *a, **k: pytest.fail("recomputed on other data"))
    [check] = verify.verify([run], mnist_data=small_data(tmp_path / "data"))
    assert check.status == verdicts.MISMATCH and check.mode == "trained on other data"
    assert "abababab" in check.why


def test_diff_compares_the_data_fingerprint(one_mnist_entry, tmp_path):
    run, a = one_mnist_entry
    b = tmp_path / "b"
    shutil.copytree(a, b)
    tamper(cache.entry_path(run, a), lambda e: e["result"].__setitem__("data_fingerprint", "ef" * 32))
    tamper(cache.entry_path(run, b), lambda e: e["result"].__setitem__("data_fingerprint", "cd" * 32))
    report = compare.diff(str(a), str(b))
    assert not report.ok and any(d.metric.endswith("data_fingerprint") for d in report.differences)
    assert any("other data" in note for note in report.notes)


def test_recomputed_results_record_the_data_they_were_trained_on(tmp_path):
    data = small_data(tmp_path / "data", n_train=60, n_test=30)
    config = {**registry.get("p2-c-final").runs[0].config, "epochs": 1, "sizes": [784, 8, 10]}
    run = registry.Run("x", "mnist", registry.canonical_json(config))
    [produced] = verify.recompute_mnist([([run], "cpu")], None, False, data).values()
    assert produced.result["data_fingerprint"] == fingerprint(data)
