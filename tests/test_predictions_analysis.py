"""Reading stored predictions: decoding, confusion matrices, misclassified images, McNemar's exact test and
single-class epochs, each on hand-built arrays whose answers are known; and the figures drawn from them."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hw7.errors import Hw7Error  # noqa: E402
from hw7.mnist import predictions as pr  # noqa: E402
from hw7.mnist.data import MnistDataError  # noqa: E402
from hw7.present import stats  # noqa: E402


def entry(pred: np.ndarray | None, seed: int = 0, counts=None) -> dict:
    text = None if pred is None else "".join(map(str, pred.tolist()))
    return {"config": {"seed": seed, "eval": "test"}, "result": {"predictions": text, "pred_counts": counts}}


# ---------------------------------------------------------------------------------------- decoding

def test_decode_round_trip_and_checks():
    digits = np.arange(pr.N_TEST) % 10
    text = "".join(map(str, digits.tolist()))
    assert np.array_equal(pr.decode(text), digits)
    assert pr.decode("0719", n=None).tolist() == [0, 7, 1, 9]
    for bad, message in (("1" * (pr.N_TEST - 1), "10000 digits"), ("12a4", "only the digits"), ("12-4", "only"),
                         ("12é4", "only")):
        with pytest.raises(ValueError, match=message):
            pr.decode(bad, n=None if message != "10000 digits" else pr.N_TEST)


def test_of_entry_raises_one_line_error_without_predictions():
    with pytest.raises(pr.PredictionsMissing, match="stores no predictions") as info:
        pr.of_entry(entry(None, seed=3), n=4)
    assert isinstance(info.value, Hw7Error) and "\n" not in str(info.value) and "seed 3" in str(info.value)
    assert pr.of_entry(entry(np.array([1, 2, 3])), n=3).tolist() == [1, 2, 3]


# ------------------------------------------------------------------------------- confusion, errors

LABELS = np.array([0, 0, 1, 1, 2, 2, 3, 9])
PRED_A = np.array([0, 1, 1, 1, 2, 7, 3, 4])  # wrong: image 1 (0 -> 1), 5 (2 -> 7), 7 (9 -> 4)
PRED_B = np.array([0, 0, 1, 2, 2, 7, 3, 9])  # wrong: image 3 (1 -> 2), 5 (2 -> 7)


def test_confusion_by_hand():
    m = pr.confusion(PRED_A, LABELS)
    assert m.shape == (10, 10) and m.sum() == len(LABELS)
    want = np.zeros((10, 10), int)
    for t, p in ((0, 0), (0, 1), (1, 1), (1, 1), (2, 2), (2, 7), (3, 3), (9, 4)):
        want[t, p] += 1
    assert np.array_equal(m, want)
    assert np.trace(m) == 5  # five right
    summed = pr.confusion_sum([entry(PRED_A), entry(PRED_B, seed=1)], LABELS)
    assert np.array_equal(summed, want + pr.confusion(PRED_B, LABELS)) and summed[2, 7] == 2
    with pytest.raises(ValueError, match="equal length"):
        pr.confusion(PRED_A[:-1], LABELS)


def test_misclassified_by_hand():
    assert pr.misclassified(PRED_A, LABELS).tolist() == [1, 5, 7]
    assert pr.misclassified(LABELS, LABELS).tolist() == []


def test_wrong_by_image_counts_runs_and_names_the_common_wrong_answer():
    third = np.array([1, 1, 1, 1, 2, 8, 3, 4])  # wrong: 0 (0 -> 1), 1 (0 -> 1), 5 (2 -> 8), 7 (9 -> 4)
    count, top = pr.wrong_by_image([entry(PRED_A), entry(PRED_B, 1), entry(third, 2)], LABELS)
    assert count.tolist() == [1, 2, 0, 1, 0, 3, 0, 2]
    assert top.tolist() == [1, 1, -1, 2, -1, 7, -1, 4]  # image 5: 7 twice, 8 once


# ---------------------------------------------------------------------------------------- McNemar

def test_mcnemar_counts_and_exact_p():
    r = pr.mcnemar(PRED_A, PRED_B, LABELS)
    # only A right: image 3; only B right: images 1 and 7; both right: 0, 2, 4, 6; both wrong: 5
    assert (r.b, r.c, r.both_right, r.both_wrong, r.discordant) == (1, 2, 4, 1, 3)
    assert r.p == pytest.approx(1.0)  # 1 of 3: as even as it can be
    assert pr.mcnemar(PRED_A, PRED_A, LABELS).p == 1.0  # no discordant image


def test_mcnemar_p_is_the_exact_binomial():
    """b = 2, c = 10: P(X <= 2 or X >= 10), X ~ Binomial(12, 1/2) = 2 * (1 + 12 + 66) / 4096."""
    labels = np.zeros(20, int)
    a = np.ones(20, int)
    a[:2] = 0  # A right on images 0-1
    b = np.ones(20, int)
    b[2:12] = 0  # B right on images 2-11
    r = pr.mcnemar(a, b, labels)
    assert (r.b, r.c, r.both_right, r.both_wrong) == (2, 10, 0, 8)
    assert r.p == pytest.approx(2 * (1 + 12 + 66) / 4096, rel=1e-12)
    assert r.p == stats.sign_test(10, 12)


def test_mcnemar_by_seed_pairs_equal_seeds():
    runs_a = [entry(PRED_A, seed=0), entry(PRED_B, seed=1), entry(PRED_A, seed=7)]
    runs_b = [entry(PRED_B, seed=1), entry(PRED_B, seed=0)]
    by = pr.mcnemar_by_seed(runs_a, runs_b, LABELS)
    assert sorted(by) == [0, 1]
    assert (by[0].b, by[0].c) == (1, 2) and by[1].discordant == 0
    with pytest.raises(ValueError, match="share no seed"):
        pr.mcnemar_by_seed(runs_a[:1], runs_b[:1], LABELS)


# ------------------------------------------------------------------------------ single-class epochs

def test_single_class_epochs():
    counts = [[980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],  # spread
              [0, 10_000, 0, 0, 0, 0, 0, 0, 0, 0],                       # all "1"
              [0, 0, 0, 0, 0, 0, 0, 9_999, 1, 0],                        # all but one "7": not single
              [0, 0, 0, 0, 0, 0, 0, 0, 0, 10_000],                       # all "9"
              None, None]                                                # diverged
    assert pr.single_class_epochs(counts) == {2: 1, 4: 9}
    assert pr.recorded_epochs(counts) == 4
    assert pr.single_class([0] * 10) is None and pr.single_class(None) is None


# ---------------------------------------------------------------------------------------- figures

def test_confusion_figure_fits_and_shows_errors_only():
    from hw7.mnist import figures_predictions as fp
    from hw7.present import plots

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    nets = {}
    for name, p_wrong in (("one hidden layer", 0.05), ("deep", 0.02)):
        runs = []
        for s in range(5):
            pred = np.where(rng.random(2000) < p_wrong, rng.integers(0, 10, 2000), labels)
            runs.append(entry(pred, seed=s))
        nets[name] = runs
    for seed in (None, 3):
        fig = fp.confusion_figure(nets, labels, seed=seed)
        try:
            if seed is None:  # the layout is the same for one seed (and drawing is slow on a busy machine)
                assert fig.get_size_inches()[0] <= plots.MAX_WIDTH_IN
                assert min(plots.print_font_sizes(fig))[0] >= plots.MIN_PRINT_PT
                assert plots.cut_tick_labels(fig) == []
            texts = [t.get_text() for ax in fig.axes for t in ax.texts]
            runs = nets["deep"] if seed is None else [r for r in nets["deep"] if r["config"]["seed"] == seed]
            m = pr.confusion_sum(runs, labels)
            off = m - np.diag(np.diag(m))
            assert str(int(off.max())) in texts  # the largest error count is written
            assert str(int(np.diag(m).max())) not in texts  # the diagonal is not
        finally:
            plt.close(fig)


def _images(n: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.random((n, 784)).astype(np.float32)


def test_misclassified_grid_fits_and_labels_the_worst_images():
    from hw7.mnist import figures_predictions as fp
    from hw7.present import plots

    count, _ = pr.wrong_by_image([entry(PRED_A), entry(PRED_B, 1)], LABELS)
    fig = fp.misclassified_grid([entry(PRED_A), entry(PRED_B, 1)], images=_images(len(LABELS)), labels=LABELS,
                                n=6, ncols=3, title="test net")
    try:
        assert fig.get_size_inches()[0] <= plots.MAX_WIDTH_IN
        assert min(plots.print_font_sizes(fig))[0] >= plots.MIN_PRINT_PT
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        assert len(titles) == int((count > 0).sum()) == 4  # only 4 images are wrong in any run
        assert titles[0] == "2 → 7\n2 of 2 seeds"  # the image both runs got wrong comes first
        assert "0 → 1\n1 of 2 seeds" in titles and "9 → 4\n1 of 2 seeds" in titles
    finally:
        plt.close(fig)


def test_misclassified_grid_without_mnist_raises_the_one_line_error(tmp_path, monkeypatch):
    from hw7.mnist import figures_predictions as fp

    monkeypatch.setenv("HW7_DATA_ROOT", str(tmp_path))  # no MNIST files there
    with pytest.raises(MnistDataError) as info:
        fp.misclassified_grid([entry(np.zeros(pr.N_TEST, int))], labels=np.ones(pr.N_TEST, int))
    assert isinstance(info.value, Hw7Error) and "\n" not in str(info.value)


def test_optimizer_curves_fit_and_draw_each_rate():
    from hw7.mnist import figures as mnist_figures
    from hw7.present import plots

    def run(opt: str, lr: float, seed: int) -> dict:
        acc = [0.9 + 0.002 * i + 0.001 * seed + (0.01 if opt == "adam" else 0) for i in range(30)]
        return {"config": {"optimizer": opt, "lr": lr, "seed": seed, "eval": "test", "sizes": [784, 30, 10]},
                "result": {"epochs": list(range(1, 31)), "eval_acc": acc, "eval_loss": [0.3] * 30,
                           "train_loss": [0.3] * 30, "grad_ratio": [1.0] * 30, "eval_set": "test",
                           "diverged_epoch": None}}

    from hw7.mnist import tables

    sweeps = {opt: tables.history([run(opt, lr, s) for lr in (1e-3, 1e-2) for s in range(5)]) for opt in ("sgd", "adam")}
    fig = mnist_figures.best_rate_curves(sweeps, {"sgd": 1e-2, "adam": 1e-3})
    try:
        assert fig.get_size_inches()[0] <= plots.MAX_WIDTH_IN
        assert min(plots.print_font_sizes(fig))[0] >= plots.MIN_PRINT_PT
        assert plots.legends_over_data(fig) == [] and plots.cut_tick_labels(fig) == []
        lines = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_label() and not ln.get_label().startswith("_")]
        assert len(lines) == 4  # each optimizer's accuracy and training loss
        sgd_mean = np.mean([[0.9 + 0.002 * i + 0.001 * s for i in range(30)] for s in range(5)], axis=0)
        assert any(np.allclose(ln.get_ydata(), sgd_mean) for ln in lines)
    finally:
        plt.close(fig)
    assert math.isfinite(sgd_mean.sum())
