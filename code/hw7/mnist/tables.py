"""Cached MNIST runs as pandas tables: one row per (run, epoch), or one row per run.

Chapters group these by the config fields that vary (optimizer, learning rate, width, ...) and
aggregate over seeds. A diverged run (the project's one rule, :mod:`hw7.divergence`: a non-finite
loss or one of at least 10¹², applied here to the stored history) reads NaN from the epoch it
diverged; aggregates count such runs instead of averaging them away.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hw7 import divergence
from hw7.entry import Entry
from hw7.present import fmt

#: per-epoch histories that read NaN from the epoch a run diverged
_HISTORIES = ("eval_acc", "eval_loss", "train_loss", "grad_ratio")


def _diverged(result: dict[str, Any]) -> tuple[int | None, dict[str, list[float]]]:
    """The epoch a run diverged (:func:`hw7.divergence.diverged_epoch`) and its histories with that
    epoch and later ones as NaN: a runner marks only a non-finite loss; a loss above the limit counts too."""
    epoch = divergence.diverged_epoch(result["train_loss"], result["diverged_epoch"])
    cut = len(result["epochs"]) if epoch is None else epoch - 1
    return epoch, {k: [*result[k][:cut], *[float("nan")] * (len(result[k]) - cut)] for k in _HISTORIES}

#: config fields copied into every table (scalars only; sizes as a string)
CONFIG_COLUMNS = ("optimizer", "lr", "seed", "activation", "init", "batch_size", "epochs", "weight_decay",
                  "momentum", "eval", "dropout", "batch_norm")


def _config_columns(config: dict[str, Any]) -> dict[str, Any]:
    row = {k: config[k] for k in CONFIG_COLUMNS if k in config}
    row["sizes"] = "-".join(map(str, config["sizes"]))
    row["betas"] = tuple(config.get("betas", ()))
    sched = config.get("scheduler")
    row["scheduler"] = sched if not sched or isinstance(sched, str) else f"{sched['step_size']}/{sched['gamma']}"
    return row


def history(entries: Sequence[Entry]) -> pd.DataFrame:
    """Long table: one row per run and epoch, with the config's scalar fields."""
    rows = []
    for run_id, e in enumerate(entries):
        (_, h), base = _diverged(e["result"]), _config_columns(e["config"])
        r = {**e["result"], **h}
        for i, epoch in enumerate(r["epochs"]):
            rows.append({**base, "run": run_id, "epoch": epoch, "eval_set": r["eval_set"],
                         "acc": r["eval_acc"][i], "loss": r["eval_loss"][i], "train_loss": r["train_loss"][i],
                         "grad_ratio": r["grad_ratio"][i]})
    return pd.DataFrame(rows)


def finals(entries: Sequence[Entry]) -> pd.DataFrame:
    """One row per run: last-epoch accuracy, whether and when it diverged, size and cost."""
    rows = []
    for run_id, e in enumerate(entries):
        epoch, h = _diverged(e["result"])
        r = {**e["result"], **h}
        rows.append({**_config_columns(e["config"]), "run": run_id, "eval_set": r["eval_set"],
                     "acc": r["eval_acc"][-1],
                     "best_acc": np.nanmax(r["eval_acc"]) if np.isfinite(r["eval_acc"]).any() else np.nan,
                     "diverged": epoch is not None, "diverged_epoch": epoch,
                     "params": r["params"], "seconds": e["meta"]["seconds"]})
    return pd.DataFrame(rows)


def over_seeds(final: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Mean, sd, min and max of the final accuracy over seeds, and how many seeds diverged."""
    grouped = final.groupby(list(by), dropna=False)
    out = grouped["acc"].agg(mean="mean", sd="std", min="min", max="max", n="size").reset_index()
    out["diverged"] = grouped["diverged"].sum().values
    return out


def best_row(summary: pd.DataFrame) -> pd.Series:
    """The setting with the highest mean accuracy among those where no seed diverged."""
    ok = summary[(summary["diverged"] == 0) & summary["mean"].notna()]
    return ok.loc[ok["mean"].idxmax()]


def _unseeded(config: dict[str, Any]) -> str:
    from hw7.specs import canonical_json

    return canonical_json({**config, "seed": 0})


def step_ids(entries: Sequence[Entry], steps: Sequence[tuple[str, str, dict[str, Any]]]) -> list[str]:
    """The search step each entry belongs to: the step whose complete config (seed aside) is its own."""
    from hw7.mnist.experiments import mnist_config

    step_of = {_unseeded(mnist_config(**fields)): sid for sid, _, fields in steps}
    return [step_of[_unseeded(e["config"])] for e in entries]


def step_entries(entries: Sequence[Entry], steps: Sequence[tuple[str, str, dict[str, Any]]], step: str) -> list[Entry]:
    """The seeds of one search step."""
    return [e for e, sid in zip(entries, step_ids(entries, steps)) if sid == step]


def search_table(entries: Sequence[Entry], steps: Sequence[tuple[str, str, dict[str, Any]]]) -> pd.DataFrame:
    """One row per search step (in registry order): its id and change, accuracy over seeds, size, cost.

    ``steps`` is a registry search list of ``(id, what changed, config fields)``; a run belongs to
    the step whose complete config (seed aside) equals its own.
    """
    final = finals(entries)
    final["id"] = step_ids(entries, steps)
    stats = over_seeds(final, ["id"])
    extra = final.groupby("id").agg(params=("params", "first"), seconds=("seconds", "mean")).reset_index()
    table = pd.DataFrame([{"id": sid, "change": what} for sid, what, _ in steps])
    return table.merge(stats, on="id").merge(extra, on="id")


def delta_points(search: pd.DataFrame, step: str, reference: str) -> str:
    """``+0.26``: change in mean accuracy from ``reference`` to ``step``, in percentage points
    (``0.00``, never ``-0.00``, when it rounds to zero)."""
    mean = search.set_index("id")["mean"]
    return fmt.signed(100 * (mean[step] - mean[reference]))


def mean_pct(search: pd.DataFrame, step: str) -> str:
    """``98.08 %``: a search step's mean accuracy."""
    return f"{100 * search.set_index('id').loc[step, 'mean']:.2f} %"


_RATE = re.compile(r"\b(?:learning rate|lr) (?=\d|x)")
_POWER = re.compile(r"\b(\d(?:\.\d+)?)e-(\d+)\b")
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def plain_change(text: str) -> str:
    """A registry step's "what changed" as the book writes it: ``lr 1e-3`` -> ``rate 10⁻³``,
    ``lr x0.1`` -> ``rate ÷ 10``, so tables match the prose (the registry text stays as it is)."""
    def power(m: re.Match) -> str:
        ten = "10" + f"-{m.group(2)}".translate(_SUPERSCRIPT)
        return ten if float(m.group(1)) == 1 else f"{m.group(1)} × {ten}"

    text = _POWER.sub(power, _RATE.sub("rate ", text)).replace("rate x0.1", "rate ÷ 10")
    return text.replace("(best of part a)", "(tied for best in part a)")


def search_report(search: pd.DataFrame, reference: dict[str, str | None]) -> pd.DataFrame:
    """The search table as a reader sees it: accuracy mean ± sd, Δ against each step's reference step
    (``reference[id]``; ``None`` for no Δ), size and cost per run."""
    return pd.DataFrame([{
        "id": r["id"], "change": plain_change(r["change"]),
        "val. accuracy (%)": f"{100 * r['mean']:.2f} ± {100 * r['sd']:.2f}",
        "Δ (points)": "" if (ref := reference.get(r["id"])) is None else delta_points(search, r["id"], ref),
        "parameters": f"{int(r['params']):,}", "s / run": f"{r['seconds']:.0f}",
    } for _, r in search.iterrows()])
