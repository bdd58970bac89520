"""Appendices A–D: each comparative, causal or universal sentence checked against the findings the
appendix cites; every failure message quotes its sentence (which a person then rewrites)."""

from __future__ import annotations

import pytest

from claim_check import claim
from hw7.findings import lnn, numpy_net, zoo
from hw7.present import stats
from hw7.readings.experiments import LNN_INIT_DEPTH

#: the chapter each quote is checked against
APP_A = "app-optimizer-zoo"
APP_B = "app-linear-nets"
APP_C = "app-numpy-net"


@pytest.fixture(autouse=True)
def committed_cache(monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)


def test_zoo_sentences():
    z = zoo.load()
    claim(APP_A, z.outside == {"adamax"} and z.n_inside == z.n_optimizers - 1,
          "Almost all published accuracies are ordinary single runs ... The exception is Adamax")
    claim(APP_A, z.row("adamax").published > z.row("adamax").pi.high,
          "Adamax, just above its interval")
    claim(APP_A, not z.outside_holm,
          "corrected by Holm’s method, it is inside too")
    claim(APP_A, z.widest.optimizer == "momentum",
          "the widest, Momentum’s, covers ... points")
    claim(APP_A, z.n_above == z.n_optimizers,
          "For each of the 8 optimizers the published accuracy exceeds our mean")
    claim(APP_A, z.sign_p < 0.05,
          "a split that uneven would have probability ...")
    claim(APP_A, max(z.below_published) == z.n_optimizers and z.n_seeds_all_below >= 1,
          "it is all eight for 2 of our 8 seeds")
    claim(APP_A, min(z.seed_gap) < 0 < max(z.seed_gap),
          "from a deficit of ... points to a lead of ...")
    claim(APP_A, z.log_mismatch == {"rmsprop"},
          "RMSprop’s does not: its log ends at 96 %")
    claim(APP_A, z.top == {"momentum", "nesterov", "adadelta"},
          "Momentum, SGD with Nesterov momentum and Adadelta are a tie: no optimizer beats any of them")
    claim(APP_A, z.best.optimizer == "nesterov",
          "(best: SGD with Nesterov momentum at ...)")
    claim(APP_A, z.beaten_by_all() == {"adagrad"} and z.worst.optimizer == "adagrad",
          "At the bottom, Adagrad ... is beaten by each of the others")
    claim(APP_A, z.separated_holm == z.separated and z.beaten_by_all(z.separated_holm) == {"adagrad"},
          "with Holm’s correction over all of them … pairs stay separated, the same pairs as without it: Adagrad’s "
          "last place holds too")
    order = [r.optimizer for r in z.rows]
    unseparated = {frozenset((a, b)) for a in order for b in order if a < b} - {frozenset(p) for p in z.separated}
    claim(APP_A, unseparated == {frozenset((a, b)) for a in z.top for b in z.top if a < b},
          "Most of it: all but the order within the top three")
    claim(APP_A, stats.RULE.startswith("the paired t-test"),
          "a difference between two optimizers counts only if … finds it (every optimizer trains the same … seeds, "
          "so the pairs are compared seed by seed)")
    claim(APP_A, z.ranks_agree_from == 4 and order[3:] == ["adam", "rmsprop", "adamax", "sgd", "adagrad"],
          "Adam, RMSprop, Adamax, SGD and Adagrad hold ranks 4 to 8 in both")
    claim(APP_A, max(z.published_gaps[:2]) < z.median_range,
          "the published gaps between them [the top three] are smaller than the median range of our seeds")
    claim(APP_A, {r.optimizer for r in z.rows[-2:]} == {"sgd", "adagrad"},
          "the two lowest means, SGD and Adagrad")
    claim(APP_A, ("momentum", "sgd") in z.separated_holm and z.momentum_gain > 0,
          "adding momentum to SGD ... raises its mean ..., a gap that stays significant after the correction")


def test_lnn_sentences():
    n = lnn.load()
    claim(APP_B, n.time_fixed[n.shallow] < 0,
          "depth 1 does not learn within 600 epochs")
    claim(APP_B, n.shallow < n.fastest_depth < n.deep,
          "A moderate depth learns fastest; neither extreme wins")
    claim(APP_B, len(n.near_fastest) == 2 and n.fastest_depth in n.near_fastest,
          "Depths 10 and 15 are nearly tied as the fastest (72 and 71 epochs)")
    later = [n.time_fixed[d] for d in n.depths if d >= n.fastest_depth]
    claim(APP_B, later == sorted(later) and len(set(later)) == len(later),
          "from there on, every deeper network learns more slowly")
    lrs = [n.best_lr[d] for d in n.search_depths]
    times = [n.best_time[d] for d in n.search_depths]
    claim(APP_B, lrs == sorted(lrs, reverse=True) and times == sorted(times),
          "Deeper networks need smaller learning rates and still learn more slowly")
    claim(APP_B, n.eta_t_spread < 1.25,
          "the learning time falls as … (… varies by at most …)")
    claim(APP_B, all(0.9 < n.first_fail[d] / n.limit[d] < 1.1 for d in n.search_depths),
          "until, near the stability limit below, the network stops learning")
    claim(APP_B, n.w_star_above_one,
          "Since … here, … falls faster than …")
    claim(APP_B, 0.8 < n.ratio_min and n.ratio_max < 1.05,
          "The fastest rate of the grid tracks this limit closely")
    claim(APP_B, n.oscillating,
          "at depth 30 the loss ends alternating between ... and ...")
    for d in n.search_depths:
        if n.ratio[d] > 1:
            a, b, c, e = n.last_losses[d]
            claim(APP_B, a == c and b == e and a != b,
                  "the loss ends alternating between … and …")
    claim(APP_B, n.window_is_contiguous,
          "every … from 0.8 to 1.15, … none outside it")
    claim(APP_B, n.n_window < len(n.inits),
          "Only 8 of the 15 initial weights learn")
    claim(APP_B, n.time_init[n.w_fast] == 0,
          "The fastest is …, already below the threshold at the start")
    claim(APP_B, [w for w in n.inits if w > n.window[1]] == [n.above_window_min],
          "Above it (… …) the opposite happens")
    claim(APP_B, 0 < n.w_after < 1 and n.product_after < 1e-3,
          "it cuts every weight from 1.2 to 0.21 ...: the network lands on the same plateau")
    claim(APP_B, n.final_init[n.inits[0]] > 10 * n.noise_floor,
          "sits on the plateau for the whole run")
    claim(APP_B, LNN_INIT_DEPTH == 15,
          "because the factor is a fourteenth power")  # (D - 1)


def test_numpy_sentences():
    m = numpy_net.load()
    claim(APP_C, m.net_plain < 1e-7 and m.net_dropout < 1e-5,
          "the reading asks for at most … without dropout and … with it")
    claim(APP_C, m.max_rel_error["softmax_ce"] < 1e-8,
          "it expects errors “at the scale of …”; ours is …")
    claim(APP_C, m.max_rel_error["linear"] > 1e-10 and m.max_rel_error["relu"] > 1e-10 and m.dropout_layers > 1e-9,
          "our single layers reach ... above those marks")
    claim(APP_C, m.dropout_layers == m.max_rel_error["dropout_p0.5"],
          "The dropout checks at … 0.5 stand out")
    claim(APP_C, m.worst_param == "layer3.W" and m.other_params_max < m.net_dropout / 10,
          "the error sits in one place: the weights … after the dropout layer")
    claim(APP_C, m.max_loss_gap < 1e-14 and m.max_weight_gap < 1e-14,
          "They are the same computation")
    claim(APP_C, m.n_pairs_differ == 0,
          "the two give the same test accuracy in every one of the ... pairs")
    claim(APP_C, list(m.seeds) == list(range(m.seeds[0], m.seeds[-1] + 1)),
          "seeds 0–2")
    claim(APP_C, m.engine_gain > 3 and m.batching_gain > 3,
          "Two things, each worth several times")  # (the engine unbatched, then batching)
    claim(APP_C, m.engine_batched_s < m.engine_unbatched_s < m.numpy_run_s < m.homework_loop_run_s,
          "The NumPy network ... is faster than the homework’s loop but slower than the torch engine even unbatched")
    claim(APP_C, m.same_platform,
          "Its runs report the same platform as the benchmark")
    claim(APP_C, 0 < m.n_exact_steps < m.match_steps,
          "At 183 of the 300 steps the two losses are exactly equal")
