"""The long runs on distorted data (@sec-p2-c-record, @sec-p3-c-record and the preface's ++ rows):
each sentence pinned to the findings the chapters print. A failure quotes the sentence to rewrite."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from claim_check import cell_option, claim
from hw7.findings import records, source
from hw7.mnist import experiments as mx
from hw7.mnist import figures_records

#: the chapter each quote is checked against
P2 = "p2-shallow-mnist"
P3 = "p3-deep-nets"


@pytest.fixture(scope="module")
def shallow():
    return records.shallow()


@pytest.fixture(scope="module")
def deep():
    return records.deep()


def test_the_shallow_distortion_was_chosen_on_validation(shallow):
    claim(P2, shallow.chosen_is_best_probe and shallow.choice == "r2.a",
          "affine distortions reached [x], affine and elastic together [y], so the test runs use affine ones")


def test_the_control_differs_in_the_distortions_alone(shallow, deep):
    for run, control in ((shallow.final, shallow.control), (deep.final, deep.control),
                         (deep.first, deep.first_control), (deep.earlier, deep.earlier_control)):
        a = {k: v for k, v in run.config.items() if k != "augment"}
        claim(P3, a == control.config and "augment" not in control.config and "augment" in run.config,
              "Every test run has a control: the same network, schedule and epochs on the original images")


def test_p2_record_answer(shallow):
    claim(P2, shallow.final.acc.mean < shallow.literature[0].accuracy and shallow.literature[0].images == "elastic",
          "and below the [x] that Simard et al. (2003) report with elastic distortions")
    claim(P2, shallow.vs_earlier.sign > 0, "Against the earlier expanded network ([acc]) the gain is [x] points (paired, [p])")
    claim(P2, abs(shallow.final.last5_change) < 0.001, "the curve is flat by then")
    claim(P2, shallow.probe("r2.b").val_acc < shallow.probe("r2.a").val_acc,
          "Their runs trained with elastic distortions, which scored below affine ones on our validation split")


def test_p3_record_seed_counts_match_the_captions(deep):
    assert deep.first is not None and deep.first_control is not None and deep.earlier_control is not None
    claim(P3, deep.final.acc.n == deep.control.acc.n == 5 and deep.earlier.acc.n == deep.first.acc.n == 3,
          "mean over the seeds: 5 for the 100-epoch runs, 3 for the others")
    claim(P3, deep.earlier_control.acc.n == deep.final.acc.n == deep.control.acc.n == 5
          and deep.earlier.acc.n == deep.first.acc.n == deep.first_control.acc.n == 3,
          "5 for the final network of 3(c) and the 100-epoch runs, 3 for the others")


def test_p3_record_caption_facts(deep):
    cap = cell_option("p3-deep-nets", "fig-p3-record", "fig-cap")
    cfg = deep.final.config
    claim(P3, f"({deep.final.widths}, batch norm, dropout {cfg['dropout']}, Adam)" in cap
          and cfg["batch_norm"] is True and cfg["optimizer"] == "adam", cap)
    claim(P3, f"{deep.final.epochs} epochs with a cosine-annealed rate on affine-distorted images" in cap
          and f"first long run ({deep.first.epochs} epochs, distorted)" in cap
          and f"earlier {deep.earlier.epochs}-epoch expanded run" in cap, cap)
    first_epochs = min(g.curves[:, 0].min() for g in (deep.final, deep.control, deep.earlier, deep.first))
    claim(P3, first_epochs < figures_records.y_floor(deep), "The axis is cut below, so the first epochs lie off the chart")
    fig = figures_records.record_curves(deep)
    drawn = {round(float(line.get_ydata()[0]), 6) for line in fig.axes[0].get_lines() if line.get_linestyle() == ":"}
    claim(P3, drawn == {round(lit.accuracy, 6) for lit in deep.literature} and len(deep.literature) == 2
          and not any(line.get_linestyle() == "--" for line in fig.axes[0].get_lines()),
          "Dotted: the two-layer and five-layer results of Cireşan et al. (2010)")
    threads = [e.get("meta", {}).get("machine", {}).get("threads")
               for name in ("final", "control", "first-final", "first-control")
               for e in source.entries(f"p3-c-record-{name}")]
    claim(P3, set(threads) == {1}, "CPU time of one run (… one thread, except for the earlier expanded run …)")
    earlier = [e.get("meta", {}).get("machine", {}).get("threads") for e in source.entries("p3-c-expand-final")]
    plain = [e.get("meta", {}).get("machine", {}).get("threads") for e in source.entries("p3-c-final")]
    claim(P3, set(earlier) == {None} and set(plain) == {1},
          "one thread, except for the earlier expanded run, whose thread count was not recorded")
    claim(P3, deep.earlier_control.config == {k: v for k, v in source.entries("p3-c-final")[0]["config"].items()},
          "the two earlier rows are the final network of 3(c) and its expanded run")


def test_p3_record_alt_text(deep):
    last = {k: float(getattr(deep, k).curves[:, -1].mean()) for k in ("final", "first", "earlier", "control")}
    claim(P3, min(last["final"], last["first"]) > last["earlier"] > last["control"]
          and abs(last["final"] - last["first"]) < 0.001,
          "The 100-epoch and 60-epoch runs on distorted images end highest, close together; the earlier "
          "30-epoch run ends below them; the control on original images ends lowest")
    claim(P3, max(g.curves.mean(axis=0).max() for g in (deep.final, deep.first, deep.earlier, deep.control))
          < min(lit.accuracy for lit in deep.literature), "Two dotted lines mark the two published results, both above "
                                                          "the mean curves")


def _started(entry) -> datetime:
    return datetime.fromisoformat(entry["meta"]["created"]) - timedelta(seconds=entry["result"]["seconds"])


def test_p3_record_length_was_chosen_on_validation_after_the_first_test(deep):
    claim(P3, deep.first.acc.mean < min(lit.accuracy for lit in deep.literature),
          "We first trained for [60] epochs … it reached [acc], below both results of Cireşan et al.")
    first_done = max(datetime.fromisoformat(e["meta"]["created"])
                     for name in ("first-final", "first-control") for e in source.entries(f"p3-c-record-{name}"))
    claim(P3, min(_started(e) for e in source.entries("p3-c-record-search")) > first_done,
          "Only then did we choose the length on the validation split")
    claim(P3, min(_started(e) for name in ("final", "control") for e in source.entries(f"p3-c-record-{name}"))
          > max(datetime.fromisoformat(e["meta"]["created"]) for e in source.entries("p3-c-record-search")),
          "Only then did we choose the length … so the final runs train for [100] epochs")
    claim(P3, deep.chosen_is_best_probe and deep.choice == "r3.b"
          and mx.search_fields(mx.P3C_RECORD, "r3.a")["epochs"] == deep.first.epochs
          and mx.search_fields(mx.P3C_RECORD, "r3.b")["epochs"] == deep.final.epochs,
          "[60] epochs reached [x], [100] epochs [y], so the final runs train for [100] epochs")
    gap = deep.probe("r3.b").val_acc - deep.probe("r3.a").val_acc
    claim(P3, deep.probe_gap == gap and 0 < gap < deep.seed_pair_sd,
          "That gap of [x] points is smaller than the [y] points by which two single seeds of one setting typically "
          "differ …, so this choice is weak")
    a = {k: v for k, v in deep.first.config.items() if k != "epochs"}
    b = {k: v for k, v in deep.final.config.items() if k != "epochs"}
    claim(P3, a == b and deep.first.epochs < deep.final.epochs,
          "We kept the chosen network, its recipe and the affine distortions … We first trained for [60] epochs")


def test_p3_record_answer(deep):
    claim(P3, deep.vs_first.sign == 0 and deep.vs_first.diff > 0,
          "From [60] to [100] epochs the mean rose [x] points, within noise ([p])")
    claim(P3, deep.vs_control.sign > 0, "The distortions alone add [x] points: the control reaches [acc] ([p])")
    a = {k: v for k, v in deep.final.config.items() if k not in ("scheduler", "epochs")}
    b = {k: v for k, v in deep.earlier.config.items() if k not in ("scheduler", "epochs")}
    claim(P3, a == b, "The earlier schedule differs from the long one in length and shape")
    claim(P3, isinstance(deep.earlier.config["scheduler"], dict) and "step_size" in deep.earlier.config["scheduler"],
          "([30] epochs, the rate cut in steps)")


def test_p3_record_schedule_and_distortions_crossed(deep):
    without = deep.schedule_without_distortions
    claim(P3, deep.vs_earlier.sign > 0, "the long schedule gains [x] points on distorted images ([p])")
    claim(P3, without is not None, "on the original ones the difference is [y] points ([p])")
    claim(P3, deep.distortions_earlier is not None and deep.distortions_earlier.sign > 0,
          "the distortions add [x] points under the earlier schedule ([p])")


def test_p3_record_against_the_literature(deep):
    two, five = deep.vs_literature
    claim(P3, two.diff < 0 and five.diff < 0, "Our mean is [x] and [y] points below the two results of Cireşan et al.")
    pi = deep.new_seed_interval
    claim(P3, pi.low <= deep.literature[0].accuracy <= pi.high and two.sign == 0,
          "which contains their two-layer result ([p])")
    claim(P3, deep.literature[1].accuracy > pi.high and five.sign < 0
          and deep.literature[1].accuracy - pi.high < 0.1 * (pi.high - pi.low),
          "but not their five-layer one ([p]), the latter by a narrow margin")


def test_p3_record_is_flat_and_costed(deep):
    claim(P3, abs(deep.final.last5_change) < 0.0003 and deep.final.config["scheduler"] == "cosine",
          "The … ends flat, as the cosine rate reaches zero")
    claim(P3, 0.75 < deep.control.cpu_hours / deep.final.cpu_hours < 1.25, "and about as much again for its control")
    claim(P3, deep.vs_first.sign == 0
          and abs(deep.vs_first.diff + deep.vs_literature[0].diff) < 2 * deep.final.acc.sd + 1e-4,
          "from [60] to [100] epochs the mean moved by about as much, but within noise, so these runs cannot tell")
    claim(P3, deep.vs_literature[0].diff < 0, "Whether it would close the gap to the two-layer result of Cireşan et al.")


def test_the_deep_and_shallow_long_runs_differ_in_more_than_depth(shallow, deep):
    a, b = deep.final.config, shallow.final.config
    claim(P3, a["epochs"] == b["epochs"] and a["scheduler"] == b["scheduler"] == "cosine",
          "Both trained for [100] epochs with a cosine rate")
    claim(P3, len(a["sizes"]) > len(b["sizes"]) and a["sizes"][1] != b["sizes"][1] and a["optimizer"] != b["optimizer"]
          and a["lr"] != b["lr"] and a["dropout"] != b["dropout"] and a["batch_norm"] != b["batch_norm"],
          "but they differ in depth, width, optimizer and its rate, dropout and batch norm")


def test_p3_record_beats_the_shallow_record():
    from hw7.findings import p3

    claim(P3, p3.load().record_vs_shallow_record.sign > 0,
          "The deep network stays ahead of the one-hidden-layer long run of @sec-p2-c-record ([acc], [p])")


def test_p2_record_caption_facts(shallow):
    cap = cell_option("p2-shallow-mnist", "fig-p2-record", "fig-cap")
    e = shallow.earlier
    claim(P2, f"earlier expanded network ({e.widths}, dropout {e.config['dropout']}, {e.epochs} epochs, rate cut in steps)"
          in cap and "step_size" in e.config["scheduler"], cap)  # type: ignore[operator]
    claim(P2, f"the {shallow.final.widths} network trained for {shallow.final.epochs} epochs" in cap
          and shallow.final.config["scheduler"] == "cosine"
          and shallow.final.acc.n == shallow.control.acc.n == 5 and shallow.earlier.acc.n == 3
          and "5 for the 100-epoch runs, 3 for the earlier network" in cap, cap)
    first_epochs = min(g.curves[:, 0].min() for g in (shallow.final, shallow.control, shallow.earlier))
    claim(P2, first_epochs < figures_records.y_floor(shallow), "The axis is cut below, so the first epochs lie off the chart")
    claim(P2, [lit.images for lit in shallow.literature] == ["elastic"] and "Simard" in shallow.literature[0].source,
          "Dotted: the result of Simard et al. (2003) with elastic distortions")
    threads = [e.get("meta", {}).get("machine", {}).get("threads")
               for name in ("final", "control") for e in source.entries(f"p2-c-record-{name}")]
    earlier = [e.get("meta", {}).get("machine", {}).get("threads") for e in source.entries("p2-c-expand-final")]
    claim(P2, set(threads) == {1} and set(earlier) == {None},
          "one thread, except that the earlier run's thread count was not recorded")
