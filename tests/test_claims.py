"""Problems 2 and 3: each comparative, causal or universal sentence, checked on the findings the
chapters cite (hw7.findings); a failure quotes the sentence, which a person then rewrites.
"""

from __future__ import annotations

import math

# ---------------------------------------------------------------------------------------------
# Problems 2 and 3: every comparative, causal or universal sentence, checked on the findings the
# chapters cite (hw7.findings). Each failure message quotes the sentence (abridged with "…").
import math as _math  # noqa: E402

import pytest

from claim_check import claim
from hw7.findings import p2 as _p2  # noqa: E402
from hw7.findings import p3 as _p3  # noqa: E402
from hw7.present import stats

#: the chapter each quote is checked against
P2 = "p2-shallow-mnist"
P3 = "p3-deep-nets"
PREFACE = "index"


@pytest.fixture(scope="module")
def f2():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("HW7_CACHE_DIR", raising=False)
        return _p2.load()


@pytest.fixture(scope="module")
def f3():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("HW7_CACHE_DIR", raising=False)
        return _p3.load()


def test_a_failing_claim_quotes_its_sentence():
    with pytest.raises(AssertionError, match="“Three rates tie for best”"):
        claim(P2, False, "Three rates tie for best")


def test_p2a_baseline_and_best_rate(f2):
    a, sgd = f2.a, f2.a.sgd
    claim(P2, 0.94 < a.baseline.lo and a.baseline.hi < 0.95, "every seed between … and …): just below 0.95, as the "
          "homework says")
    claim(P2, sgd.best.top == 1e-2 and a.top_vs_baseline.sign == 1 and a.top_vs_baseline.low > 0,
          "The best rate after 30 epochs is …, at …, … points above the homework’s 10⁻³")
    top = sgd.best.top
    holm = stats.paired_against_control(sgd.seeds[top], {r: v for r, v in sgd.seeds.items() if r != top})
    claim(P2, not sgd.best.is_tie and sgd.vs_top(sgd.runner_up) == holm[sgd.runner_up]
          and sgd.vs_top(sgd.runner_up).sign == -1 and sgd.vs_top(sgd.runner_up).p > sgd.vs_top(sgd.runner_up).p_raw,
          "The next best rate, …, ends … points from it (…, Holm-corrected over the … other rates, as the best is "
          "chosen after the fact), so no rate ties with the best")
    claim(P2, a.late_rise > a.baseline.sd and sgd.at(1e-4).mean < a.baseline.mean,
          "The homework’s rate is too small for 30 epochs: its curve in @fig-p2-lr-curves still rises")
    claim(P2, sgd.at(3.0).hi < 0.75 and sgd.swing[3.0] > 10 * sgd.swing[sgd.best.top],
          "Too large a rate keeps SGD from settling: at … it ends at … and its accuracy swings by … points")
    claim(P2, sgd.nonfinite == 0, "No run’s loss became non-finite: SGD fails there by not settling")


def test_p2b_adam_against_sgd(f2):
    sgd, adam, b = f2.a.sgd, f2.b.adam, f2.b
    claim(P2, adam.best.tied == (1e-3, 3e-4) and adam.vs_top(3e-4).sign == 0
          and sgd.best.top / adam.best.tied[0] == pytest.approx(10)
          and sgd.best.top / adam.best.tied[1] == pytest.approx(100 / 3),
          "Adam’s best rates are … and …, a tie (… points, …): ten and about thirty times smaller than SGD’s")
    claim(P2, b.tops.sign == -1, "… points from SGD at its best (…), so SGD’s best is the higher one")
    claim(P2, b.sgd_ahead_from is not None and b.sgd_ahead_from > 1 and b.adam_loss_lower == f2.a.setup["epochs"],
          "Adam is ahead for the first … epochs and has the lower training loss in every epoch, yet from epoch … on SGD is "
          "ahead on the test images")
    claim(P2, b.vs_sgd_at_homework_lr.sign == 1 and adam.at(1e-4).mean > sgd.at(1e-4).mean,
          "Adam leads at small rates: at the homework’s 10⁻³ it ends … points above SGD")
    claim(P2, all((b_.mean < 0.5) == (lr >= adam.collapse_lr) for lr, b_ in adam.finals.items()),
          "From … up Adam’s mean accuracy is below 50 %")
    claim(P2, adam.nonfinite == 0 and min(adam.train_loss[1.0].lo, adam.train_loss[3.0].lo) > _p2.UNIFORM_LOSS,
          "its last-epoch training loss … is worse than the … of a uniform guess, so the network is "
          "confidently wrong")
    claim(P2, adam.single_digit[3.0] is not None and adam.single_digit[3.0] > 0 and adam.single_digit[1.0] is not None,
          "the stored predictions show it answering one digit for every test image in … of its … epochs at 3")
    claim(P2, adam.train_loss[adam.best.top].mean < sgd.train_loss[sgd.best.top].mean and adam.top.mean < sgd.top.mean,
          "At the best rates, Adam fits the training images more closely … but scores lower on the test images")


def test_p2_single_digit_epochs_are_counted_from_predictions():
    """An epoch counts when every test image got the same digit, observed in pred_counts, not inferred."""
    def run(counts):
        return {"result": {"pred_counts": counts}}

    assert _p2.single_digit_epochs(run([[0] * 9 + [10000], [1] + [0] * 8 + [9999]])) == 1
    assert _p2.single_digit_epochs(run(None)) is None
    assert _p2.single_digit_epochs(run([None, [10000] + [0] * 9])) is None


def test_p2_figure_alt_texts(f2):
    sgd, adam = f2.a.sgd, f2.b.adam
    claim(P2, adam.at(0.1).mean < adam.top.mean and max(adam.at(1.0).hi, adam.at(3.0).hi) < 0.2 < adam.at(0.1).mean
          and adam.at(0.3).mean < 0.5, "from 0.3 up Adam’s accuracy falls, to near chance at 1 and 3")
    claim(P2, math.log10(sgd.best.top / adam.best.top) == pytest.approx(1),
          "SGD’s peaks a decade higher and falls more gently")
    claim(P2, f2.b.sgd_ahead_from in range(13, 18), "leads until about epoch 15")


def test_p2c_answer_and_search(f2):
    c = f2.c
    claim(P2, c.final_vs_baseline.sign == 1, "reaches … test accuracy (… seeds, … parameters), … points above the "
                                             "homework’s set-up")
    claim(P2, c.best.top == c.choice and "w1.5" in c.best.tied
          and all(v.sign == 0 for s, v in c.vs_wide.items())
          and c.best == stats.best_paired({s: b.by_seed for s, b in c.steps.items()}) and min(c.best.p) >= stats.ALPHA
          and len(c.best.tied) + len(c.below_best) == len(c.steps) and len(c.below_best) >= 1,
          "It has the highest mean on the validation split, but after Holm’s correction … settings of the search tie "
          "with it (@tbl-p2-search), so it is not a proven ceiling")
    claim(P2, "w2.c" in c.best.tied and c.best.p_of("w2.c") > 0.05,
          "after Holm’s correction … settings of the search tie with it")
    claim(P2, c.batch10_vs_chosen.sign == 0 and c.batch10_vs_chosen.n == 3,
          "Nor did the search’s switch to batches of 100 … cap it: trained again at batches of 10 … points from "
          "batches of 100 ([p], [n] seeds), so no test run followed")
    claim(P2, all(c.chain[s].sign == 1 for s in ("w1.1", "w1.2", "w1.5")) and c.chain["w1.3"].sign == 0,
          "In wave 1 the gains come from the rate and the width … while ReLU units with Kaiming initialisation change "
          "nothing measurable")
    claim(P2, c.chain["w1.4"].diff < 0 and c.chain["w1.4"].sign == 0 and c.batch_speedup > 2,
          "Batches of 100 at a ten times larger rate changed the accuracy by … points (… after Holm, not a clear loss) "
          "and made each epoch about … times cheaper")
    claim(P2, c.wide_train_loss < 0.1 * c.wide_val_loss and c.vs_wide["w2.f"].sign == 0,
          "The 800-unit network already fits its training images almost perfectly in 30 epochs … so 60 epochs changed "
          "nothing")
    wave2 = c.wave2
    claim(P2, max(wave2, key=lambda s: wave2[s].diff) == "w2.e" and wave2["w2.e"].sign == 0,
          "a regulariser might help, and dropout had wave 2’s largest mean change")
    claim(P2, max(wave2, key=lambda s: wave2[s].diff) == "w2.e" and wave2["w2.e"].low < 0 < wave2["w2.e"].high,
          "wave 3, planned after wave 2, builds on dropout, wave 2’s largest mean change")


def test_p2_beyond_sentences(f2):
    x, r, g = f2.x, f2.record, f2.beyond
    claim(P2, all(v.vs_control.sign == 0 for v in x.variants.values()),
          "On the validation split, no variant is separable from the control")
    elastic = [v for v in x.variants.values() if "elastic" in v.augment]
    claim(P2, len(elastic) == 3 and all(v.acc < x.control.lo for v in elastic) and max(v.epochs for v in elastic) == 45,
          "Within the epochs we tried (30 at a constant rate, 45 with a decaying one), every run with elastic "
          "distortions ended below the lowest control seed")
    claim(P2, all(x.variants[s].acc_after(20) < x.control_acc_after(20) for s in ("x2.a", "x2.e", "x2.b")),
          "After 20 epochs the three distorted-data runs stood at … against the control’s …: … the harder training "
          "images had not paid off")
    claim(P2, x.top_id == x.choice == "x2.al", "We took the variant with the highest validation accuracy, affine "
                                           "distortions with the longer schedule")
    claim(P2, not x.same_schedule, "Two things changed at once, the training images and the schedule")
    claim(P2, x.base_train_loss.mean < x.base_test_loss.mean and x.train_loss.mean > x.test_loss.mean,
          "The plain network’s last-epoch training loss, …, is below its test loss, …; the expanded network’s training "
          "loss, …, is above its test loss")
    claim(P2, x.max_extra < x.final_epochs / x.control_epochs - 1,
          "The distortions add at most … to an epoch; the larger cost is the longer schedule")
    claim(P2, g.record_vs_control.sign == 1 and r.final.acc.mean < r.literature[0].accuracy,
          "points above the same training on the original images (…, 3 seeds), and below the … that Simard et al. "
          "(2003) report with elastic distortions")
    claim(P2, r.vs_literature[0].sign == 0 and r.new_seed_interval.low < r.literature[0].accuracy < r.new_seed_interval.high,
          "so their single published number is within the reach of our seeds")
    claim(P2, r.probe("r2.a").val_acc > r.probe("r2.b").val_acc,
          "Their runs trained with elastic distortions, which scored below affine ones on our validation split")
    claim(P2, abs(r.final.last5_change) < r.final.acc.sd, "The schedule ends with the rate at zero and the curve is flat "
                                                          "by then")


def test_p2_expanded_matches_the_issue_worked_values(f2):
    """The prediction-interval p-values the reader computed by hand (issue 17, error 9)."""
    assert f2.x.variants["x2.e"].vs_control.p_raw == pytest.approx(0.10, abs=0.005)
    assert f2.x.variants["x2.bl"].vs_control.p_raw == pytest.approx(0.055, abs=0.001)


def test_preface_attributes_the_expanded_gain_to_both_changes(f2):
    from hw7 import headline
    from hw7.store import summary

    row = dict(zip(*[headline.answers(summary.read(), f2)[k] for k in ("part", "our answer")]))
    # the preface's answers are a table the package writes (hw7.headline), not a sentence of the chapter
    assert "schedule" in row["2(c)+"], "preface table, 2(c)+: 'the gain mixes the distortions and the schedule'"
    for part, sweep in (("2(a)", f2.a.sgd), ("2(b)", f2.b.adam)):
        assert ("tie" in row[part]) == sweep.best.is_tie, f"preface table, {part}: 'a tie of …' exactly when the rule ties"


def test_p3c_confusions(f3):
    shallow, deep = f3.c.top_confusions().values()
    named = {(4, 9), (9, 4), (5, 3), (7, 2), (2, 7)}
    claim(P3, set(shallow) == set(deep) == named and all(deep[k] < shallow[k] for k in named),
          "The two nets’ five most frequent confusions are the same, fours and nines read as each other, fives as "
          "threes and sevens and twos as each other, and the deep net makes fewer of each")


def test_p3a_sigmoid_sentences(f3):
    a, sig = f3.a, f3.a.sigmoid
    claim(P3, all(b.hi < 0.2 for b in sig.finals.values()), "Training fails completely")
    claim(P3, a.observed_single_class_epochs == a.epochs,
          "what the stored class counts show each run doing in every one of its epochs")
    claim(P3, a.observed_single_class_epochs == a.epochs == a.runs * max(max(r) for r in a.observed_single_class.values()),
          "every run answering one digit for every test image in each of its epochs (all … run-epochs)")
    # what each run answers at the end is read from its stored counts, and its accuracy is that digit's share
    ends = [(run[max(run)], e) for run, e in zip(a.observed_single_class.values(),
                                                 (e for rs in a.sigmoid.runs.values() for e in rs))]
    claim(P3, len(a.end_digits) == 2 and sum(a.end_digits.values()) == a.runs
          and all(round(e["result"]["eval_acc"][-1] * a.test_images) == a.digit_count(d) for d, e in ends),
          "After the last epoch, … of the … runs answer “…” (… of … test images) and the other … answer “…” (…)")
    claim(P3, sum(a.observed_digit_epochs.values()) == a.epochs and len(a.observed_digit_epochs) > 1,
          "The answered digit is not fixed: over the … run-epochs, “…” is the answer in …, and … other digits share the rest")
    claim(P3, abs(sig.train_loss.mean - a.uniform_loss) < 0.01 and sig.train_loss.hi <= a.uniform_loss,
          "The last-epoch training loss, …, is that of an answer that ignores the image")
    claim(P3, sig.ratio_range[1e-3][1] < 1e-4, "still … after 30 epochs")
    claim(P3, sig.middle.max() < 0.25 and len(sig.middle) == 6, "the six hidden-layer factors of @tbl-p3-factors lie "
                                                            "between … and …, all below ¼")
    claim(P3, abs(a.output_expected / sig.factors[-1] - 1) < 0.05,
          "a hidden step’s factor times that gain predicts …, and we measure …")
    claim(P3, sig.factors[0] > 3 * sig.middle.max(), "The first step, …, is large because a weight gradient")
    if a.input_factor is not None:  # ‖x‖ / ‖σ(W₁x)‖ measured, where the runs recorded input norms
        claim(P3, a.input_factor > 3, "the 784-pixel image there against 30 sigmoid outputs elsewhere")
    claim(P3, _math.isclose(sig.product, sig.norms[0, 0] / sig.norms[0, -1], rel_tol=1e-9),
          "They multiply with the two end steps to …")


def test_p3b_relu_sentences(f3):
    b, relu = f3.b, f3.b.relu
    claim(P3, all(0.1 < lo and hi < 10 for lo, hi in relu.ratio_range.values()),
          "the gradient no longer vanishes")
    # "near one" (the mechanism below: ReLU passes the error on unshrunk), against the sigmoid's at most 1/4
    claim(P3, 0.8 < relu.middle.min() and relu.middle.max() < 1.25 and relu.spread < 2,
          "Between hidden layers the factors now lie between … and …, and in the first epoch no layer’s gradient "
          "norm is more than a factor of … from its neighbour’s")
    lo, hi = relu.output_factor_range
    claim(P3, abs(b.output_expected / relu.factors[-1] - 1) < 0.05 and lo < b.output_expected < hi,
          "its 10 × 30 matrix should let the signal grow by about …, and we measure … (from … to … seed by seed)")
    claim(P3, b.vs_shallow[1e-3].sign == 1, "the deep network gains … points at 10⁻³")
    claim(P3, b.vs_p2_best.sign == -1 and b.vs_p2_best.high < 0, "It still falls short of the best shallow network of "
                                                                 "Problem 2")


def test_kaiming_is_drawn_with_fan_out():
    """P3(b) says the code uses mode='fan_out' with variance 2 / n_out: check a drawn layer."""
    import torch

    from hw7.mnist.network import init_weight_

    w = init_weight_(torch.empty(10, 3000), "kaiming_uniform", torch.Generator().manual_seed(0))
    claim(P3, float(w.var()) == pytest.approx(2 / 10, rel=0.05), "the code draws Kaiming-uniform weights with mode='fan_out'")

def test_p3c_search_sentences(f3):
    c = f3.c
    claim(P3, c.deep_vs_recipe.sign == 1 and c.deep_vs_recipe_val.sign == 1 and c.param_ratio > 1,
          "So, trained the same way, the net with three hidden layers, with … times the parameters, beats the one "
          "with one hidden layer")
    claim(P3, c.deep_vs_recipe.low > 0, "the deep network’s lead over it is")
    d = f3.depth
    claim(P3, d.min_budget_gain > max(d.large.spread, d.small.spread),
          "The gap need not be depth’s: in @sec-p3-c-depth, four times the parameters adds more than changing the "
          "depth does")
    claim(P3, c.wider.sign == 0, "doubling every width of the first network changed the accuracy by … points, within noise")
    claim(P3, all(v.sign == 0 for v in c.wave1.values()) and all(v.p_raw is not None for v in c.wave1.values()),
          "On the wider network, with the five variants corrected for meeting one control (Holm), no change is a "
          "clear gain")
    claim(P3, c.wave1 == stats.paired_against_control(c.steps["d.2"].by_seed, {s: c.steps[s].by_seed for s in c.wave1}),
          "paired by seed with the five wave-1 variants Holm-corrected against one control, no variant is a clear gain")
    gains = {s: v.diff for s, v in c.wave1.items()}
    claim(P3, sorted(gains, key=gains.get)[-3:] == ["d.5", "d.3", "d.6"]
          and all(c.wave1[s].low > 0 and c.wave1[s].p_raw < 0.05 for s in ("d.3", "d.5", "d.6")),
          "The largest mean changes are Adam …, batch normalisation … and batch normalisation with dropout 0.2 …; "
          "their intervals exclude zero one at a time, but not after the correction")
    claim(P3, sorted(gains, key=gains.get)[-2:] in (["d.3", "d.6"], ["d.6", "d.3"]),
          "Wave 2 put the two largest mean changes together, Adam and batch normalisation with dropout")
    claim(P3, c.adam_on_bn_dropout.sign == 0, "On the 512-256-128 network this changed nothing: … against … "
          "with SGD …) … these runs do not show that Adam adds anything once batch norm and dropout are in")
    claim(P3, c.wider_winner.sign == 1, "Doubling every width then helped … So the winner’s edge over e.1 comes from width")
    claim(P3, c.best.top == c.choice and c.best.is_tie
          and c.best == stats.best_paired({s: b.by_seed for s, b in c.steps.items()}),
          "has the highest mean validation accuracy; the paired test, Holm-corrected over its comparisons with the "
          "other steps, cannot separate it from … of the other … (…; smallest Holm …), so they tie")
    claim(P3, c.deep_vs_recipe.sign == 1 and c.deep_vs_recipe_val.sign == 1 and c.deep_vs_recipe_val.n >= 3,
          "the net with three hidden layers … beats the one with one hidden layer on the test set (…) and on the "
          "validation split (…), each paired over … seeds")
    claim(P3, c.recipe_vs_p2.low < 0 < c.recipe_vs_p2.high and c.recipe_vs_p2.n == len(set(c.recipe_test.seeds)),
          "level with the best shallow network of Problem 2 (… points, …, paired over the … seeds both ran)")
    claim(P3, c.vs_p2.sign == 1 and c.vs_p2.low > 0, "points above the best shallow network of Problem 2")
    claim(P3, c.mcnemar is not None and len(c.mcnemar_seeds) >= 1 and c.mcnemar_only[0] > c.mcnemar_only[1],
          "the deep network alone is right on … images and the shallow one alone on …")
    claim(P3, c.recipe_vs_p2.sign == 0, "level with … best shallow network …: the recipe adds "
          "nothing measurable to one hidden layer")
    claim(P3, c.plain_deep_vs_wide.sign == 0,
          "Without batch norm or dropout, the deep net did no better than one wide layer … the two are level")
    deep, wide = c.plain_deep_setup, c.p2_wide_setup
    same = ("optimizer", "nesterov", "weight_decay", "batch_size", "epochs", "activation", "init")
    claim(P3, all(deep[k] == wide[k] for k in same) and not deep.get("dropout") and not wide.get("dropout")
          and not deep.get("batch_norm") and not wide.get("batch_norm")
          and deep["momentum"] != wide["momentum"] and deep["lr"] != wide["lr"]
          and "scheduler" in deep and "scheduler" not in wide and c.plain_deep_params != c.p2_wide_params,
          "Both use SGD with Nesterov momentum and neither has dropout or batch norm, but they differ in more than "
          "depth: momentum …, rate … cut tenfold every 10 epochs against a constant …, and … parameters")
    from hw7.mnist.experiments import P3C_CHOICE, P3C_SEARCH, P3C_SHALLOW_SIZES, search_fields

    claim(P3, len(P3C_SHALLOW_SIZES) == 3 and len(search_fields(P3C_SEARCH, P3C_CHOICE)["sizes"]) == 5,
          "These runs compare one hidden layer with three only")


def test_p3_depth_figure_alt_text(f3):
    s, large = f3.depth.small, f3.depth.large
    top = s.top.val
    clears = [k for k, cell in s.cells.items() if cell.val.mean + cell.val.sd < top.mean - top.sd]
    claim(P3, s.best == 4 and sorted(clears) == [1, 2, 5, 6],
          "the line for about 100,000 parameters … peaks at 4 layers, whose error bar clears those of 1, 2, 5 and 6 layers")
    gaps = [large.cells[k].val.mean - s.cells[k].val.mean for k in s.cells]
    claim(P3, 0.005 <= min(gaps) and max(gaps) <= 0.0085 and large.spread < 0.001,
          "is nearly flat near 98 percent, its error bars overlapping. "
          "The line for about 100,000 parameters lies 0.5 to 0.8 points lower")


def test_p3_expanded_sentences(f3):
    x = f3.x
    claim(P3, [s for s, v in x.variants.items() if v.vs_control.sign != 0] == ["x3.a"] and x.variants["x3.a"].delta > 0,
          "affine distortions gave … points, the one gain that clears the rule …; elastic ones … and both together "
          "… stay within noise")
    claim(P3, x.top_id == x.choice == "x3.a", "We took the affine variant to the test set")
    claim(P3, abs(x.slope_chosen) < 0.001, "the curves … flatten by design in the last 10 epochs")
    final_fields = {k: v for k, v in x.chosen.runs[0]["config"].items() if k not in ("augment", "seed")}
    control_fields = {k: v for k, v in x.control_runs[0]["config"].items() if k != "seed"}
    claim(P3, x.vs_base.sign == 1 and x.same_schedule and final_fields == control_fields,
          "It beats the plain deep network’s …, and as only the training images changed, the gain is the distortions’")
    claim(P3, x.vs_base == stats.paired(x.final.by_seed, x.base.by_seed)
          and x.vs_base.n == len(set(x.final.seeds) & set(x.base.seeds)) and x.gain == x.vs_base.diff,
          "… points above the plain deep network (…, paired over the … seeds both ran)")
    claim(P3, f3.x_vs_p2x.sign == 1 and f3.x_vs_p2x == stats.paired(x.final.by_seed, f3.p2x.by_seed),
          "It also beats the expanded network with one hidden layer")
    claim(P3, f3.depth_vs_winner.diff < 0, "That is below the deep winner’s … (… points over the … seeds both ran")
    claim(P3, x.final.lo > 0.99, "Every seed is above the 0.99 that the homework’s tip")
    claim(P3, x.base_train_loss.mean < x.base_test_loss.mean and x.train_loss.mean > x.test_loss.mean,
          "The plain network’s last-epoch training loss … is far below its test loss …. The expanded network’s "
          "training loss … is above its test loss")


def test_configurations_the_prose_describes():
    """Set-ups the chapters name in words (not results, but they must match the registry)."""
    from hw7.mnist import experiments as x

    w3b = x.search_fields(x.P2C_SEARCH, x.P2C_CHOICE)
    claim(P2, w3b["dropout"] == 0.5 and w3b["sizes"] == [784, 1600, 10] and w3b["activation"] == "relu"
          and w3b["optimizer"] == "sgd" and w3b["momentum"] == 0.8 and w3b["lr"] == 0.1 and w3b["batch_size"] == 100
          and w3b["epochs"] == 30, "1,600 ReLU units with dropout 0.5 trained by SGD (Nesterov momentum 0.8, rate 0.1, "
          "batches of 100, 30 epochs)")
    claim(P2, w3b["lr"] == 0.1 and not w3b.get("scheduler"), "under the recipe’s constant rate of 0.1")
    claim(P2, x.search_fields(x.P2C_SEARCH, "w1.5")["sizes"] == [784, 800, 10], "changes on the 800-unit network")
    al = x.search_fields(x.P2C_EXPAND, x.P2C_EXPAND_CHOICE)
    claim(P2, al["epochs"] == 45 and al["scheduler"] == {"step_size": 15, "gamma": 0.1} and "elastic_alpha" not in al["augment"],
          "two more variants … train for 45 epochs with the rate cut tenfold every 15 … affine distortions with the "
          "longer schedule")
    claim(P2, len(x.P2C_EXPAND) == 5, "are corrected for the five variants (Holm)")
    claim(P3, len(x.P3C_EXPAND) == 3, "p (Holm): corrected for the three variants")
    e2 = x.search_fields(x.P3C_SEARCH, x.P3C_CHOICE)
    claim(P3, e2["sizes"] == [784, 1024, 512, 256, 10] and e2["batch_norm"] and e2["dropout"] == 0.2
          and e2["optimizer"] == "adam" and e2["scheduler"] == {"step_size": 10, "gamma": 0.1},
          "the best deep network, 784-1024-512-256-10 with batch normalisation, dropout 0.2 and Adam")
    d6 = x.search_fields(x.P3C_SEARCH, "d.6")
    claim(P3, d6["optimizer"] == "sgd" and d6["batch_norm"] and d6["dropout"] == 0.2 and d6["sizes"][1] == 512,
          "On the 512-256-128 network this changed nothing: … against … with SGD")
    d7 = x.search_fields(x.P3C_SEARCH, "d.7")
    claim(P3, d7["dropout"] == 0.3 and d7["sizes"] == [784, 1024, 512, 256, 10],
          "a still wider network with dropout 0.3 (two changes in one step)")


def test_p2_expanded_curve_flattened(f2):
    claim(P2, abs(f2.x.slope_chosen) < f2.x.control.sd, "Its curve had flattened by the end")


# ---------------------------------------------------------------------------------------------
# The committed cache behind a fact the P3 chapter uses (the test set's class counts).

import numpy as np  # noqa: E402


@pytest.fixture(autouse=True)
def committed_cache(monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)


def test_mnist_test_class_counts_match_the_labels():
    from hw7.mnist import data

    try:
        labels = data.load_mnist().test_y
    except Exception as err:  # noqa: BLE001 - no MNIST files on this machine
        pytest.skip(f"MNIST not available: {err}")
    assert tuple(np.bincount(labels.numpy(), minlength=10).tolist()) == data.MNIST_TEST_CLASS_COUNTS


