"""Expanding the training data on the fly: random affine and elastic distortions of MNIST digits.

Why on the fly: a distorted copy is drawn afresh for every sample in every epoch from the run's own
seeded generator (stream :data:`hw7.mnist.network.STREAM_AUGMENT`), so the network almost never sees the
same image twice and nothing is written to disk. Everything is tensor code over the whole batch
(and, in the batched engine, over all runs at once): no per-image Python loop.

The two kinds of distortion follow Simard et al. (2003):

* **affine** — each sample gets a rotation (±``rotate`` degrees), a horizontal shear (±``shear``
  degrees), an independent scale per axis (1 ± ``scale``) and a shift per axis (±``shift`` pixels),
  each drawn uniformly;
* **elastic** — two fields of independent uniform(-1, 1) numbers (one per axis, one per pixel),
  smoothed by a Gaussian of standard deviation ``elastic_sigma`` pixels and multiplied by
  ``elastic_alpha`` pixels, displace each pixel's sampling point.

Both become one sampling grid (source position of every output pixel) and the image is resampled
with bilinear interpolation, zero outside the image — what ``torch.nn.functional.grid_sample`` does
with ``align_corners=False``, which we call. (Its normalise/unnormalise round trip moves identity
points by ~1e-6 of a pixel, so samples with the identity distortion are passed through untouched.)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any, Mapping, NamedTuple, Sequence

import torch
import torch.nn.functional as F

from hw7.errors import ConfigError
from hw7.validation import is_real

#: MNIST images are SIDE x SIDE pixels, stored flattened.
SIDE = 28
#: The Gaussian kernel is cut at this many standard deviations (each side).
TRUNCATE = 3.0
#: Largest elastic sigma: the kernel radius must stay below the image side (reflect padding).
MAX_SIGMA = (SIDE - 1) / TRUNCATE


@dataclass(frozen=True)
class AugmentConfig:
    """Strengths of the random distortions; 0 switches one off. Units: pixels, degrees, fraction."""

    shift: float = 0.0
    rotate: float = 0.0
    scale: float = 0.0
    shear: float = 0.0
    elastic_alpha: float = 0.0
    elastic_sigma: float = 0.0

    def __post_init__(self) -> None:
        limits = {"shift": SIDE / 2, "rotate": 180.0, "scale": 1.0, "shear": 90.0, "elastic_alpha": 4.0 * SIDE,
                  "elastic_sigma": MAX_SIGMA}
        for key, top in limits.items():
            v = getattr(self, key)
            ok = is_real(v) and (0 <= v <= top if key == "elastic_sigma" else 0 <= v < top)
            if not ok:
                raise ConfigError(f"config 'augment.{key}' must be a number in [0, {top:g}), got {v!r}")
            object.__setattr__(self, key, float(v))
        if (self.elastic_alpha > 0) != (self.elastic_sigma > 0):
            raise ConfigError("config 'augment' needs both elastic_alpha and elastic_sigma > 0 (or both 0)")
        if not (self.affine or self.elastic):
            raise ConfigError("config 'augment' switches nothing on; use null for no augmentation")

    @property
    def affine(self) -> bool:
        return any(getattr(self, k) > 0 for k in ("shift", "rotate", "scale", "shear"))

    @property
    def elastic(self) -> bool:
        return self.elastic_alpha > 0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AugmentConfig":
        if isinstance(d, AugmentConfig):
            return d
        if not isinstance(d, Mapping):
            raise ConfigError(f"config 'augment' must be null or an object, got {type(d).__name__}")
        known = [f.name for f in fields(cls)]
        for key in d:
            if key not in known:
                raise ConfigError(f"unknown config key 'augment.{key}' (known: {', '.join(known)})")
        return cls(**dict(d))

    def to_dict(self) -> dict[str, float]:
        """Every field, so the cache key names the full augmentation."""
        return asdict(self)

    @property
    def name(self) -> str:
        """A short label: 'affine', 'elastic' or 'affine+elastic'."""
        return "+".join(n for n, on in (("affine", self.affine), ("elastic", self.elastic)) if on)


class Distortion(NamedTuple):
    """Per-sample parameters of one batch: ``theta`` (n, 2, 3) maps an output pixel's offset from the
    image centre (x, y in pixels) to its source position; ``disp`` (n, 2, H, W) adds the elastic
    displacement in pixels (x then y), or is None."""

    theta: torch.Tensor
    disp: torch.Tensor | None


def gaussian_kernel(sigma: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Normalised 1-D Gaussian, radius ``ceil(TRUNCATE * sigma)``."""
    radius = max(1, math.ceil(TRUNCATE * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    return (k / k.sum()).to(dtype)


@lru_cache(maxsize=16)
def blur_matrix(sigma: float, side: int = SIDE) -> torch.Tensor:
    """``(side, side)`` matrix M with ``M @ v`` = the Gaussian blur of a length-``side`` signal,
    reflecting at the border (``F.pad(mode="reflect")`` then the kernel, folded into one matrix)."""
    k = gaussian_kernel(sigma, torch.float64)
    r = (k.numel() - 1) // 2
    eye = torch.eye(side, dtype=torch.float64).view(side, 1, side)  # each basis signal as a row
    blurred = F.conv1d(F.pad(eye, (r, r), mode="reflect"), k.view(1, 1, -1)).view(side, side)
    return blurred.t().contiguous().float()  # column j = response to basis signal j


def smooth(field: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``(n, c, H, W)`` fields: ``M @ field @ M^T`` (two small matmuls,
    much faster on CPU than a 2-D convolution with a long kernel)."""
    m = blur_matrix(float(sigma), field.shape[-1]).to(field.device, field.dtype)
    return m @ field @ m.t()


def elastic_sd(cfg: AugmentConfig) -> float:
    """Expected standard deviation (pixels) of one displacement component away from the border:
    alpha * sd(uniform(-1, 1)) * sqrt(sum of the squared 2-D kernel weights)."""
    k = gaussian_kernel(cfg.elastic_sigma, torch.float64)
    return cfg.elastic_alpha * math.sqrt(1 / 3) * float((k ** 2).sum())  # 2-D weights = outer(k, k)


def draw(cfg: AugmentConfig, n: int, generator: torch.Generator, side: int = SIDE) -> Distortion:
    """Draw ``n`` samples' distortions from ``generator`` (CPU, float32; one call per kind).

    The order of draws is fixed (6 affine numbers per sample, then the elastic fields if on), so the
    batched engine and the reference loop, drawing batch by batch from equal generators, get equal
    parameters.
    """
    u = torch.rand(n, 6, generator=generator) * 2 - 1
    rot = torch.deg2rad(u[:, 0] * cfg.rotate)
    shear = torch.tan(torch.deg2rad(u[:, 1] * cfg.shear))
    sx, sy = 1 + u[:, 2] * cfg.scale, 1 + u[:, 3] * cfg.scale
    cos, sin = torch.cos(rot), torch.sin(rot)
    # A = R(rot) @ [[1, shear], [0, 1]] @ diag(sx, sy): exact identity when every strength is 0
    a = torch.stack([torch.stack([cos * sx, (cos * shear - sin) * sy], 1),
                     torch.stack([sin * sx, (sin * shear + cos) * sy], 1)], 1)
    t = (u[:, 4:6] * cfg.shift).unsqueeze(2)
    theta = torch.cat([a, t], dim=2)
    disp = None
    if cfg.elastic:
        noise = torch.rand(n, 2, side, side, generator=generator) * 2 - 1
        disp = smooth(noise, cfg.elastic_sigma) * cfg.elastic_alpha
    return Distortion(theta, disp)


def identity(n: int, side: int = SIDE) -> Distortion:
    """No distortion (for tests and figures)."""
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    return Distortion(theta, None)


def cat(parts: Sequence[Distortion]) -> Distortion:
    """Stack the distortions of several runs' batches (all with or all without elastic fields)."""
    disps = [p.disp for p in parts]
    disp = None if disps[0] is None else torch.cat(disps)  # type: ignore[arg-type]
    return Distortion(torch.cat([p.theta for p in parts]), disp)


def source_grid(d: Distortion, side: int = SIDE, dtype: torch.dtype = torch.float32,
                device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Source coordinates (x, y in pixels, each (n, H, W)) of every output pixel."""
    theta = d.theta.to(device=device, dtype=dtype)
    c = (side - 1) / 2
    p = torch.arange(side, dtype=dtype, device=device) - c
    py, px = p.view(1, side, 1), p.view(1, 1, side)
    a = theta.view(-1, 6, 1, 1)
    sx = a[:, 0] * px + a[:, 1] * py + (a[:, 2] + c)
    sy = a[:, 3] * px + a[:, 4] * py + (a[:, 5] + c)
    if d.disp is not None:
        disp = d.disp.to(device=device, dtype=dtype)
        sx, sy = sx + disp[:, 0], sy + disp[:, 1]
    return sx, sy


def sample(images: torch.Tensor, sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
    """Bilinear resampling of ``(n, H*W)`` images at source points ``(n, H, W)`` (pixels); zero outside.

    Pixel p's centre is the normalised coordinate ``(2p + 1) / side - 1`` (``align_corners=False``).
    """
    n, side = sx.shape[0], sx.shape[-1]
    grid = torch.stack([(2 * sx + 1) / side - 1, (2 * sy + 1) / side - 1], dim=-1)
    out = F.grid_sample(images.view(n, 1, side, side), grid, mode="bilinear", padding_mode="zeros",
                        align_corners=False)
    return out.view(n, side * side)


def is_identity(d: Distortion) -> torch.Tensor:
    """(n,) bool: the sample's distortion changes nothing."""
    eye = identity(1).theta.to(d.theta)
    same = (d.theta == eye).flatten(1).all(dim=1)
    if d.disp is not None:
        same &= (d.disp == 0).flatten(1).all(dim=1)
    return same


def warp(images: torch.Tensor, d: Distortion) -> torch.Tensor:
    """Apply per-sample distortions to flattened images ``(n, H*W)`` (any leading shape ``(..., H*W)``).

    Samples whose distortion is the identity are passed through untouched: grid_sample's
    normalise/unnormalise round trip would move their pixels by ~1e-6 otherwise.
    """
    shape = images.shape
    side = math.isqrt(shape[-1])
    flat = images.reshape(-1, shape[-1])
    sx, sy = source_grid(d, side, images.dtype, images.device)
    out = sample(flat, sx, sy)
    out = torch.where(is_identity(d).to(images.device).view(-1, 1), flat, out)
    return out.view(shape)


def augment(images: torch.Tensor, cfg: AugmentConfig, generator: torch.Generator) -> torch.Tensor:
    """One fresh random distortion per image of ``(n, 784)``; labels are untouched by construction."""
    return warp(images, draw(cfg, images.shape[0], generator))


def augment_runs(images: torch.Tensor, cfg: AugmentConfig, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """The batched engine's case: ``(K, B, 784)``, run k's batch distorted with ``generators[k]``;
    one draw per run (so each run's stream equals the reference loop's), one warp for all runs."""
    K, B = images.shape[:2]
    d = cat([draw(cfg, B, g) for g in generators])
    return warp(images.reshape(K * B, -1), d).view(images.shape)
