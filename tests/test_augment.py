"""Data expansion: distortions are seeded, exact at identity, label-preserving, of the configured
strength, and the batched engine trains augmented runs as the reference loop does."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hw7.errors import ConfigError
from hw7.mnist import augment as aug
from hw7.mnist.augment import AugmentConfig
from hw7.mnist.config import TrainConfig
from hw7.mnist.reference import train_one
from hw7.mnist.train import train_many
from hw7.specs import canonical_json
from hw7.store import registry
from mnist_fixtures import small_data

F64 = torch.float64
BOTH = AugmentConfig(shift=2, rotate=10, scale=0.1, shear=10, elastic_alpha=34, elastic_sigma=4)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_data(tmp_path_factory.mktemp("mnist"), n_train=200, n_test=100)


def images(n: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 784, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------------------------- the config

def test_config_round_trip_and_validation():
    c = AugmentConfig.from_dict({"rotate": 10, "elastic_alpha": 34, "elastic_sigma": 4})
    assert AugmentConfig.from_dict(c.to_dict()) == c and c.affine and c.elastic and c.name == "affine+elastic"
    assert AugmentConfig(shift=1).name == "affine" and AugmentConfig(elastic_alpha=8, elastic_sigma=3).name == "elastic"
    for bad, message in [({}, "switches nothing"), ({"rotate": -1}, "augment.rotate"), ({"zoom": 1}, "unknown"),
                         ({"elastic_alpha": 10}, "both"), ({"scale": 1.0}, "augment.scale"),
                         ({"elastic_alpha": 1, "elastic_sigma": 20}, "elastic_sigma"), ({"shift": float("nan")}, "shift")]:
        with pytest.raises(ConfigError, match=message):
            AugmentConfig.from_dict(bad)


def test_train_config_omits_augment_when_off_and_keeps_old_keys():
    """Configs without augmentation serialise exactly as before the field existed: same cache keys."""
    plain = TrainConfig().to_dict()
    assert "augment" not in plain and TrainConfig.from_dict(plain).augment is None
    run = registry.get("p2-c-final").runs[0]  # a committed config, stored complete
    assert "augment" not in run.config
    assert TrainConfig.from_dict(run.config).to_dict() == run.config
    with_aug = TrainConfig(augment={"shift": 2}).to_dict()
    assert with_aug["augment"] == {**AugmentConfig(shift=2).to_dict()}
    assert TrainConfig.from_dict(json.loads(json.dumps(with_aug))).augment == AugmentConfig(shift=2)
    with pytest.raises(ConfigError, match="augment"):
        TrainConfig(augment={"rotate": 400})


def test_committed_key_unchanged():
    """The key of a committed run is the hash of its stored config: recomputing the config through
    TrainConfig (which now has an augment field) must give the same key the cache file carries."""
    run = registry.get("p3-c-final").runs[0]
    again = registry.Run(run.experiment, run.kind, canonical_json(TrainConfig.from_dict(run.config).to_dict()))
    assert again.key == run.key
    from hw7.store import cache
    assert cache.has_entry(run)


# ---------------------------------------------------------------------------------- the distortions

def test_deterministic_per_seed():
    x = images()
    a = aug.augment(x, BOTH, torch.Generator().manual_seed(7))
    b = aug.augment(x, BOTH, torch.Generator().manual_seed(7))
    c = aug.augment(x, BOTH, torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    g = torch.Generator().manual_seed(7)
    first, second = aug.augment(x, BOTH, g), aug.augment(x, BOTH, g)
    assert not torch.equal(first, second)  # a fresh distortion per call (per epoch), not a fixed copy


def test_identity_reproduces_input_exactly():
    x = images()
    assert torch.equal(aug.warp(x, aug.identity(len(x))), x)
    zero = aug.Distortion(aug.identity(len(x)).theta, torch.zeros(len(x), 2, 28, 28))
    assert torch.equal(aug.warp(x, zero), x)


def test_integer_shift_moves_pixels_by_whole_pixels():
    x = images(4)
    d = aug.identity(4)
    d.theta[:, 0, 2] = 1.0  # output pixel (i, j) reads source (i, j + 1): the image moves one pixel left
    out = aug.warp(x, d).view(4, 28, 28)
    src = x.view(4, 28, 28)
    assert torch.allclose(out[:, :, :-1], src[:, :, 1:], atol=1e-5)
    assert out[:, :, -1].abs().max() < 1e-5  # zero outside the image


def test_matches_grid_sample_reference():
    """Our sampling grid in pixels, fed to grid_sample, against a grid built with affine_grid."""
    x = images(16)
    d = aug.draw(AugmentConfig(shift=2, rotate=15, scale=0.15, shear=15), 16, torch.Generator().manual_seed(1))
    # affine_grid works in normalised coordinates; for a square image the pixel-space matrix carries
    # over unchanged and the shift scales by 2 / side
    theta = d.theta.clone()
    theta[:, :, 2] *= 2 / 28
    grid = F.affine_grid(theta, (16, 1, 28, 28), align_corners=False)
    want = F.grid_sample(x.view(16, 1, 28, 28), grid, align_corners=False).view(16, -1)
    assert torch.allclose(aug.warp(x, d), want, atol=1e-5)


def test_labels_never_change(data):
    """Augmentation maps images to images; the training loop reads labels by the same index."""
    x = data.train_x[:50]
    out = aug.augment(x, BOTH, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1 + 1e-6
    # and training with augmentation never touches the label tensor
    y_before = data.train_y.clone()
    train_one(TrainConfig(epochs=1, batch_size=50, augment=BOTH.to_dict()), data)
    assert torch.equal(data.train_y, y_before)


def test_affine_statistics_match_config():
    n = 20_000
    cfg = AugmentConfig(shift=2, rotate=10)
    d = aug.draw(cfg, n, torch.Generator().manual_seed(3))
    shifts = d.theta[:, :, 2]
    angles = torch.rad2deg(torch.atan2(d.theta[:, 1, 0], d.theta[:, 0, 0]))
    for values, top in ((shifts.flatten(), 2.0), (angles, 10.0)):
        assert values.abs().max() <= top + 1e-4
        assert abs(values.mean()) < 0.03 * top
        assert values.std().item() == pytest.approx(top / math.sqrt(3), rel=0.03)  # uniform(-top, top)
    # off means off: no scale, no shear
    a = d.theta[:, :, :2]
    assert torch.allclose(torch.linalg.det(a), torch.ones(n), atol=1e-5)


def test_elastic_statistics_match_config():
    """Away from the border the displacement sd is alpha * sqrt(1/3 * sum of squared kernel weights)."""
    cfg = AugmentConfig(elastic_alpha=20, elastic_sigma=2)
    d = aug.draw(cfg, 4000, torch.Generator().manual_seed(4))
    r = math.ceil(aug.TRUNCATE * cfg.elastic_sigma)
    inner = d.disp[:, :, r:28 - r, r:28 - r]
    assert inner.std().item() == pytest.approx(aug.elastic_sd(cfg), rel=0.03)
    assert abs(inner.mean().item()) < 0.03 * aug.elastic_sd(cfg)
    stronger = aug.draw(AugmentConfig(elastic_alpha=40, elastic_sigma=2), 4000, torch.Generator().manual_seed(4))
    assert torch.allclose(stronger.disp, 2 * d.disp, rtol=1e-5, atol=1e-6)  # linear in alpha
    # smoother fields for larger sigma: neighbouring displacements are more alike
    smooth = aug.draw(AugmentConfig(elastic_alpha=20, elastic_sigma=6), 500, torch.Generator().manual_seed(4)).disp
    def neighbour_corr(f):
        a, b = f[..., :-1].flatten(), f[..., 1:].flatten()
        return torch.corrcoef(torch.stack([a, b]))[0, 1].item()
    assert neighbour_corr(smooth) > neighbour_corr(d.disp) > 0.5


def test_blur_matrix_matches_convolution():
    sigma = 3.0
    field = torch.rand(3, 2, 28, 28, generator=torch.Generator().manual_seed(0))
    k = aug.gaussian_kernel(sigma)
    r = (k.numel() - 1) // 2
    x = field.reshape(6, 1, 28, 28)
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
    x = F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1))
    assert torch.allclose(aug.smooth(field, sigma), x.view(3, 2, 28, 28), atol=1e-5)



# ------------------------------------------------------------- the elastic field against Simard et al. (2003)
# Simard et al. draw each displacement component uniformly in [-1, 1] (variance 1/3), smooth the field with a
# Gaussian of standard deviation sigma pixels and multiply by alpha (pixels). For a white field smoothed by a
# continuous 2-D Gaussian the variance becomes (1/3) * 1/(4 pi sigma^2); each component is then ~normal with
# sd s = alpha * sqrt(1/3) / (2 sqrt(pi) sigma), and the length of the 2-D displacement has mean s * sqrt(pi/2).
# For alpha 34, sigma 4 that is s = 1.384 px and a mean length of 1.735 px. Our kernel is discrete, normalised
# and cut at 3 sigma (its squared weights sum 0.35 % above the continuous value), and the image border is
# reflected, which folds kernel weights onto the pixels near it: the sd grows towards the border (x 1.36 per
# axis at the edge), so the analytic value holds only where the kernel does not reach the border. The first test
# holds our field's interior to Simard's analytic value; the second the whole image to its exact expectation
# for our discrete, reflected kernel, computed here independently (numpy, not the module's blur matrix).
SIMARD = AugmentConfig(elastic_alpha=34, elastic_sigma=4)


def _simard_mean_length(alpha: float, sigma: float) -> float:
    sd = alpha * math.sqrt(1 / 3) / (2 * math.sqrt(math.pi) * sigma)
    return sd * math.sqrt(math.pi / 2)


def _reflected_blur(sigma: float, side: int = 28) -> np.ndarray:
    """(side, side) matrix of a normalised Gaussian cut at 3 sigma, with the border reflected (d c b | a b c d)."""
    r = max(1, math.ceil(3 * sigma))
    t = np.arange(-r, r + 1)
    k = np.exp(-0.5 * (t / sigma) ** 2)
    k /= k.sum()
    return np.stack([np.convolve(np.pad(np.eye(side)[j], r, mode="reflect"), k, mode="valid")
                     for j in range(side)], axis=1)


@pytest.fixture(scope="module")
def simard_field() -> torch.Tensor:
    """Displacement lengths (pixels) of 6000 draws of Simard's field, alpha 34, sigma 4: (6000, 28, 28)."""
    return aug.draw(SIMARD, 6000, torch.Generator().manual_seed(26)).disp.double().norm(dim=1)


def test_elastic_mean_displacement_matches_simard_analytic_value(simard_field):
    want = _simard_mean_length(34, 4)
    assert want == pytest.approx(1.735, abs=5e-4)
    r = math.ceil(aug.TRUNCATE * 4)
    interior = simard_field[:, r:28 - r, r:28 - r]  # the kernel does not reach the border here
    # 6000 draws x 16 strongly correlated pixels: standard error about 0.3 %; the discrete kernel adds 0.35 %
    assert interior.mean().item() == pytest.approx(want, rel=0.02)
    k = aug.gaussian_kernel(4.0, F64)
    assert float((k ** 2).sum()) * 2 * math.sqrt(math.pi) * 4 == pytest.approx(1.0, abs=0.01)


def test_elastic_mean_displacement_over_the_image_matches_the_reflected_kernel(simard_field):
    norms = np.sqrt((_reflected_blur(4.0) ** 2).sum(axis=1))  # each row's weights, folded at the border
    sd = 34 * math.sqrt(1 / 3) * np.outer(norms, norms)  # per pixel, each component
    want = float((sd * math.sqrt(math.pi / 2)).mean())
    assert want > 1.2 * _simard_mean_length(34, 4)  # the border matters over the whole image
    assert simard_field.mean().item() == pytest.approx(want, rel=0.01)  # standard error about 0.07 %
    corner = simard_field[:, 0, 0].mean().item()
    assert corner == pytest.approx(float(sd[0, 0]) * math.sqrt(math.pi / 2), rel=0.05)


def test_elastic_displacement_is_in_pixels_x_then_y():
    """A constant displacement of one pixel in x reads the source one pixel to the right, like a shift of 1."""
    x = images(4)
    disp = torch.zeros(4, 2, 28, 28)
    disp[:, 0] = 1.0
    out = aug.warp(x, aug.Distortion(aug.identity(4).theta, disp)).view(4, 28, 28)
    src = x.view(4, 28, 28)
    assert torch.allclose(out[:, :, :-1], src[:, :, 1:], atol=1e-5)
    disp = disp.flip(1)  # now one pixel in y
    out = aug.warp(x, aug.Distortion(aug.identity(4).theta, disp)).view(4, 28, 28)
    assert torch.allclose(out[:, :-1, :], src[:, 1:, :], atol=1e-5)



def test_distortion_figure_of_test_digits_fits_the_page():
    """Test digits with affine, elastic and both distortions: the figure the chapter shows beside the check."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hw7.mnist import figures_augment
    from hw7.mnist.experiments import AUGMENT_AFFINE, AUGMENT_BOTH, AUGMENT_ELASTIC
    from hw7.present import plots

    kinds = {"affine": AUGMENT_AFFINE, "elastic": AUGMENT_ELASTIC, "affine+elastic": AUGMENT_BOTH}
    fig = figures_augment.distortion_examples({k: AugmentConfig.from_dict(v) for k, v in kinds.items()},
                                              n_digits=4, split="test")
    try:
        assert fig.get_size_inches()[0] <= plots.MAX_WIDTH_IN
        assert min(plots.print_font_sizes(fig))[0] >= plots.MIN_PRINT_PT
        assert [t for ax in fig.axes if (t := ax.get_title(loc="left"))] == ["original", *kinds]
        assert len(fig.axes) == 4 * (1 + 3 * 3)
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="split"):
        figures_augment.distortion_examples({"affine": AugmentConfig(shift=1)}, split="val")


# ------------------------------------------------------------------------------------ training

def cfg(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=10, augment=BOTH.to_dict())
    base.update(kw)
    return TrainConfig(**base)


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "broadcast"])
def test_batched_augmented_equals_reference(data, fused):
    """Both loops draw each run's distortions from the same stream, batch by batch: same numbers."""
    configs = [cfg(lr=0.1, seed=0), cfg(lr=0.05, seed=1, batch_size=10),
               cfg(lr=0.1, seed=2, batch_size=10)]
    got = dict(train_many(configs, data, progress=False, dtype=F64, compile=False, fused=fused))
    for i, c in enumerate(configs):
        want = train_one(c, data, dtype=F64)
        for key in ("eval_acc", "eval_loss", "train_loss", "grad_ratio"):
            assert torch.allclose(torch.tensor(got[i][key], dtype=F64), torch.tensor(want[key], dtype=F64),
                                  rtol=1e-9, atol=1e-11), key
        assert got[i]["runs_in_batch"] == 3


def test_batched_augmented_tail_batch_equals_reference(data):
    configs = [cfg(lr=0.1, seed=s, batch_size=7, augment={"rotate": 10, "shift": 1}) for s in range(2)]
    got = dict(train_many(configs, data, progress=False, dtype=F64, compile=False))
    for i, c in enumerate(configs):
        want = train_one(c, data, dtype=F64)
        assert torch.allclose(torch.tensor(got[i]["train_loss"], dtype=F64), torch.tensor(want["train_loss"], dtype=F64),
                              rtol=1e-9, atol=1e-11)


def test_augmentation_changes_training_but_not_other_streams(data):
    plain = train_one(TrainConfig(epochs=1, batch_size=10, lr=0.1), data, dtype=F64)
    augmented = train_one(cfg(epochs=1, lr=0.1), data, dtype=F64)
    assert plain["train_loss"] != augmented["train_loss"]
    # a run with augmentation off trains exactly as before (no draw from the augment stream)
    again = dict(train_many([TrainConfig(epochs=1, batch_size=10, lr=0.1)], data, progress=False, dtype=F64,
                            compile=False))[0]
    assert again["train_loss"] == pytest.approx(plain["train_loss"], rel=1e-9)


def test_augmented_and_plain_runs_train_in_separate_chunks(data):
    configs = [TrainConfig(epochs=1, batch_size=10, lr=0.1), cfg(epochs=1, lr=0.1)]
    got = dict(train_many(configs, data, progress=False, dtype=F64, compile=False))
    assert got[0]["runs_in_batch"] == 1 and got[1]["runs_in_batch"] == 1


def test_dropout_reference_with_augmentation_is_deterministic(data):
    c = cfg(epochs=1, dropout=0.3, batch_norm=True, optimizer="adam", lr=1e-3, activation="relu",
            init="kaiming_uniform", sizes=(784, 32, 16, 10))
    a, b = train_one(c, data), train_one(c, data)
    assert a["train_loss"] == b["train_loss"] and a["eval_acc"] == b["eval_acc"]


# ------------------------------------------------------------------------- the chapters' comparisons

def test_welch_and_t_tail_against_known_values():
    from hw7.present import stats

    assert stats.t_two_sided_p(2.776445, 4) == pytest.approx(0.05, abs=2e-4)  # the 97.5 % quantile of t(4)
    # equal variances and sizes: Welch = Student, t = -3.674 with 4 df, two-sided p = 0.0213
    assert stats.welch([1, 2, 3], [4, 5, 6]).p == pytest.approx(0.0213, abs=5e-4)
    assert stats.compare([1, 2, 3], [4, 5, 6]).sign == -1
    assert stats.compare([4, 5, 6], [1, 2, 3]).sign == 1
    assert stats.compare([1, 2, 3], [1.5, 2.5, 3.5]).sign == 0
    # a single run against three seeds: a prediction interval for a new run (scale s * sqrt(1 + 1/n))
    assert stats.compare([10.0], [1, 2, 3]).sign == 1
    assert stats.compare([5.0], [1, 2, 3]).sign == 0  # p = 0.12; a one-sample test would say p = 0.035
