"""Findings of "Expanding the data" (Problems 2(c) and 3(c)): a chosen network, unchanged, trained on
randomly distorted training images; its one-seed variants on the validation split, then the chosen
variant on the test set. Both chapters read the same structure (:func:`p2`, :func:`p3`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hw7.entry import acc_at
from hw7.findings import source
from hw7.findings.common import Band, Entry, Steps, last_acc, last_of, late_slope, pm, step_runs
from hw7.mnist import experiments as mx
from hw7.mnist import tables
from hw7.mnist.augment import AugmentConfig
from hw7.present import fmt, stats


@dataclass(frozen=True)
class Variant:
    """One expanded-data run on the validation split (one seed), judged against the control's seeds
    by a prediction interval, Holm-corrected over the problem's variants."""

    id: str
    change: str
    augment: str
    epochs: int
    acc: float
    delta: float
    vs_control: stats.Verdict
    cpu_min: float
    wall_min: float
    runs: tuple[Entry, ...]

    def acc_after(self, epoch: int) -> float:
        """Validation accuracy after ``epoch`` (1-based)."""
        return acc_at(self.runs[0], epoch)


@dataclass(frozen=True)
class Expanded:
    """A problem's chosen network on distorted training images, against the same network on the
    original images (the control: its own search runs on the validation split, its finals on the test set)."""

    network: str
    control_id: str
    control: Band
    control_interval: tuple[float, float]
    control_runs: tuple[Entry, ...]
    control_epochs: int
    control_step: int | None
    control_wall_min: float
    variants: dict[str, Variant]
    choice: str
    final: Band
    base: Band
    vs_base: stats.Paired   # the final runs − the plain net's, paired over the seeds both ran
    final_epochs: int
    final_step: int | None
    params: int
    final_cpu_min: float
    train_loss: Band
    test_loss: Band
    base_train_loss: Band
    base_test_loss: Band
    slope_chosen: float
    slope_control: float
    zoom: tuple[float, float]
    cost: dict[str, float]

    @property
    def chosen(self) -> Variant:
        return self.variants[self.choice]

    @property
    def top_id(self) -> str:
        """The variant with the highest validation accuracy (one run each: a ranking, not a test)."""
        return max(self.variants, key=lambda sid: self.variants[sid].acc)

    @property
    def gain(self) -> float:
        """Test accuracy of the expanded finals minus the plain finals' (a fraction), paired over the seeds
        both ran (the plain finals may have more seeds)."""
        return self.vs_base.diff

    @property
    def same_schedule(self) -> bool:
        """Whether the test finals train exactly as the control did (epochs and rate schedule)."""
        return (self.final_epochs, self.final_step) == (self.control_epochs, self.control_step)

    @property
    def max_extra(self) -> float:
        """What the dearest distortion adds to a plain epoch's CPU time (a fraction; NaN without the benchmark)."""
        return max(self.cost.values()) - 1 if self.cost else float("nan")

    def control_acc_after(self, epoch: int) -> float:
        """The control's validation accuracy after ``epoch`` (1-based), mean over its seeds."""
        return float(np.mean([acc_at(e, epoch) for e in self.control_runs]))

    def table(self) -> pd.DataFrame:
        """The validation runs as the reader sees them: accuracy, change against the control, the
        rule's p-values (uncorrected and Holm-corrected), cost."""
        rows = [{"id": self.control_id, "training images": "original images (control)",
                 "val. accuracy (%)": pm(self.control), "Δ (points)": "", "p": "", "p (Holm)": "",
                 "CPU min / run": "—", "wall min / run": f"{self.control_wall_min:.1f}"}]
        for v in self.variants.values():
            rows.append({"id": v.id, "training images": tables.plain_change(v.change), "val. accuracy (%)": f"{100 * v.acc:.2f}",
                         "Δ (points)": fmt.pts(v.delta),
                         "p": stats.p_value(v.vs_control.p if v.vs_control.p_raw is None else v.vs_control.p_raw),
                         "p (Holm)": stats.p_value(v.vs_control.p),
                         "CPU min / run": f"{v.cpu_min:.1f}", "wall min / run": f"{v.wall_min:.1f}"})
        return pd.DataFrame(rows)

    def curves(self) -> dict[str, Sequence[Entry]]:
        """Legend label -> runs, for the validation-curve figure (control first)."""
        out: dict[str, Sequence[Entry]] = {f"{self.control_id}: original images": self.control_runs}
        for v in self.variants.values():
            longer = f", {v.epochs} epochs" if v.epochs != self.control_epochs else ""
            out[f"{v.id}: {v.augment}{longer}"] = v.runs
        return out

    @property
    def panel(self) -> str:
        return f"{self.network} ({self.control_id})"


def _step(entry: Entry) -> int | None:
    """Epochs between the tenfold rate cuts of a run's step schedule (None: a constant rate)."""
    scheduler = entry["config"].get("scheduler")
    return int(scheduler["step_size"]) if scheduler else None


def _minutes(entries: Sequence[Entry], key: str) -> float:
    if key == "cpu":
        return float(np.mean([e["result"].get("cpu_seconds", np.nan) for e in entries])) / 60
    return float(np.mean([e["meta"]["seconds"] for e in entries])) / 60


def build(*, search: str, steps: Steps, control_id: str, expand_search: str, expand_steps: Steps, choice: str,
          final: str, base_final: str, zoom: tuple[float, float], bench_net: str) -> Expanded:
    """Everything an "Expanding the data" section cites, from the cached runs it names."""
    control_runs = tuple(step_runs(source.entries(search), steps)[control_id])
    control = last_acc(control_runs)
    runs = step_runs(source.entries(expand_search), expand_steps)
    # each variant is one run (seed 0): nothing to pair, so it is judged by the control's prediction
    # interval for a new run, Holm-corrected over the variants (stats.against_control)
    verdicts = stats.against_control(control.values, {sid: last_acc(rs).values for sid, rs in runs.items()})
    fields = {sid: f for sid, _, f in expand_steps}
    variants = {sid: Variant(id=sid, change=what, augment=AugmentConfig(**fields[sid]["augment"]).name,
                             epochs=int(fields[sid].get("epochs", control_runs[0]["config"]["epochs"])),
                             acc=last_acc(runs[sid]).mean, delta=last_acc(runs[sid]).mean - control.mean,
                             vs_control=verdicts[sid],
                             cpu_min=_minutes(runs[sid], "cpu"), wall_min=_minutes(runs[sid], "wall"),
                             runs=tuple(runs[sid]))
                for sid, what, _ in expand_steps}
    finals, bases = source.entries(final), source.entries(base_final)
    bench = source.benchmark()
    prediction = stats.prediction(0.0, control.values)
    return Expanded(
        network="-".join(map(str, control_runs[0]["config"]["sizes"])), control_id=control_id, control=control,
        control_interval=(prediction.low, prediction.high), control_runs=control_runs,
        control_epochs=int(control_runs[0]["config"]["epochs"]), control_step=_step(control_runs[0]),
        control_wall_min=_minutes(control_runs, "wall"),
        variants=variants, choice=choice, final=last_acc(finals), base=last_acc(bases),
        vs_base=stats.paired(last_acc(finals).by_seed, last_acc(bases).by_seed),
        final_epochs=int(finals[0]["config"]["epochs"]), final_step=_step(finals[0]),
        params=int(finals[0]["result"]["params"]), final_cpu_min=_minutes(finals, "cpu"),
        train_loss=last_of(finals, "train_loss"), test_loss=last_of(finals, "eval_loss"),
        base_train_loss=last_of(bases, "train_loss"), base_test_loss=last_of(bases, "eval_loss"),
        slope_chosen=late_slope(variants[choice].runs), slope_control=late_slope(control_runs),
        zoom=zoom,
        cost={k: v["cpu_ratio_vs_none"] for k, v in bench["nets"][bench_net].items() if k != "none"} if bench else {})


def p2() -> Expanded:
    """Problem 2(c)'s chosen one-hidden-layer network on distorted images."""
    return build(search="p2-c-search", steps=mx.P2C_SEARCH, control_id=mx.P2C_CHOICE, expand_search="p2-c-expand-search",
                 expand_steps=mx.P2C_EXPAND, choice=mx.P2C_EXPAND_CHOICE, final="p2-c-expand-final",
                 base_final="p2-c-final", zoom=(0.965, 0.9925), bench_net="p2c-w3.b")


def p3() -> Expanded:
    """Problem 3(c)'s chosen deep network on distorted images."""
    return build(search="p3-c-search", steps=mx.P3C_SEARCH, control_id=mx.P3C_CHOICE, expand_search="p3-c-expand-search",
                 expand_steps=mx.P3C_EXPAND, choice=mx.P3C_EXPAND_CHOICE, final="p3-c-expand-final",
                 base_final="p3-c-final", zoom=(0.97, 0.996), bench_net="p3c-e.2")


def describe_distortions() -> dict[str, Any]:
    """The distortions' strengths, as the P2 section describes them."""
    return {"affine": AugmentConfig(**mx.AUGMENT_AFFINE), "elastic": AugmentConfig(**mx.AUGMENT_ELASTIC),
            "affine+elastic": AugmentConfig(**mx.AUGMENT_BOTH)}
