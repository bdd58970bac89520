"""Appendices A–D: each comparative, causal or universal sentence checked against the findings the
appendix cites; every failure message quotes its sentence (which a person then rewrites)."""

from __future__ import annotations

import pytest

from hw7.readings import findings
from hw7.readings.experiments import LNN_INIT_DEPTH
from hw7.store import loader, summary


@pytest.fixture(autouse=True)
def committed_cache(monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)


def test_holm_can_fail():
    assert findings.holm({"a": 0.001, "b": 0.03, "c": 0.04}) == {"a"}  # b fails 0.05/2, so c stops too
    assert findings.holm({"a": 0.001, "b": 0.02, "c": 0.03}, alpha=0.1) == {"a", "b", "c"}


def test_zoo_sentences():
    z = findings.load_zoo(loader.load)
    assert z.outside == {"adamax"} and z.n_inside == z.n_optimizers - 1, \
        "App. A: 'Almost all published accuracies are ordinary single runs ... The exception is Adamax'"
    assert z.row("adamax").published > z.row("adamax").pi.high, "App. A: 'Adamax, just above its interval'"
    assert not z.outside_holm, "App. A: 'corrected by Holm’s method, it is inside too'"
    assert z.widest.optimizer == "momentum", "App. A: 'the widest, Momentum’s, covers ... points'"
    assert z.n_above == z.n_optimizers, "App. A: 'For each of the 8 optimizers the published accuracy exceeds our mean'"
    assert z.sign_p < 0.05, "App. A: 'a split that uneven would have probability ...'"
    assert max(z.below_published) == z.n_optimizers and z.n_seeds_all_below >= 1, \
        "App. A: 'it is all eight for 2 of our 8 seeds'"
    assert min(z.seed_gap) < 0 < max(z.seed_gap), "App. A: 'from a deficit of ... points to a lead of ...'"
    assert z.log_mismatch == {"rmsprop"}, "App. A: 'RMSprop’s does not: its log ends at 96 %'"
    assert z.top == {"momentum", "nesterov", "adadelta"}, \
        "App. A: 'Momentum, SGD with Nesterov momentum and Adadelta are a tie: no optimizer beats any of them'"
    assert z.best.optimizer == "nesterov", "App. A: '(best: SGD with Nesterov momentum at ...)'"
    assert z.beaten_by_all() == {"adagrad"} and z.worst.optimizer == "adagrad", \
        "App. A: 'At the bottom, Adagrad ... is beaten by each of the others'"
    assert z.holm_dropped == {("momentum", "adam"), ("adam", "rmsprop"), ("sgd", "adagrad")} \
        and not z.beaten_by_all(z.separated_holm), \
        "App. A: 'The 3 that drop out are all neighbours: Momentum above Adam, Adam above RMSprop and SGD above " \
        "Adagrad. Those three orders are tentative, and so is Adagrad’s last place.'"
    order = [r.optimizer for r in z.rows]
    assert all(abs(order.index(a) - order.index(b)) == 1 for a, b in z.holm_dropped), "App. A: 'all neighbours'"
    unseparated = {frozenset((a, b)) for a in order for b in order if a < b} - {frozenset(p) for p in z.separated}
    assert unseparated == {frozenset((a, b)) for a in z.top for b in z.top if a < b}, \
        "App. A: 'Most of it: all but the order within the top three and three close neighbours'"
    assert z.ranks_agree_from == 4 and order[3:] == ["adam", "rmsprop", "adamax", "sgd", "adagrad"], \
        "App. A: 'Adam, RMSprop, Adamax, SGD and Adagrad hold ranks 4 to 8 in both'"
    assert max(z.published_gaps[:2]) < z.median_range, \
        "App. A: 'the published gaps between them [the top three] are smaller than the median range of our seeds'"
    assert {r.optimizer for r in z.rows[-2:]} == {"sgd", "adagrad"}, "App. A: 'the two lowest means, SGD and Adagrad'"
    assert ("momentum", "sgd") in z.separated_holm and z.momentum_gain > 0, \
        "App. A: 'adding momentum to SGD ... raises its mean ..., a gap that stays significant after the correction'"


def test_lnn_sentences():
    n = findings.load_lnn(loader.load)
    assert n.time_fixed[n.shallow] < 0, "App. B: 'depth 1 does not learn within 600 epochs'"
    assert n.shallow < n.fastest_depth < n.deep, "App. B: 'A moderate depth learns fastest; neither extreme wins'"
    assert len(n.near_fastest) == 2 and n.fastest_depth in n.near_fastest, \
        "App. B: 'Depths 10 and 15 are nearly tied as the fastest (72 and 71 epochs)'"
    later = [n.time_fixed[d] for d in n.depths if d >= n.fastest_depth]
    assert later == sorted(later) and len(set(later)) == len(later), \
        "App. B: 'from there on, every deeper network learns more slowly'"
    lrs = [n.best_lr[d] for d in n.search_depths]
    times = [n.best_time[d] for d in n.search_depths]
    assert lrs == sorted(lrs, reverse=True) and times == sorted(times), \
        "App. B: 'Deeper networks need smaller learning rates and still learn more slowly'"
    assert n.eta_t_spread < 1.25, "App. B: 'the learning time falls as 1/η (... varies by at most ...)'"
    assert all(0.9 < n.first_fail[d] / n.limit[d] < 1.1 for d in n.search_depths), \
        "App. B: 'until, near the stability limit below, the network stops learning'"
    assert n.w_star_above_one, "App. B: 'Since w* > 1 here, η_max falls faster than 1/D'"
    assert 0.8 < n.ratio_min and n.ratio_max < 1.05, "App. B: 'The fastest rate of the grid tracks this limit closely'"
    assert n.oscillating, "App. B: 'at depth 30 the loss ends alternating between ... and ...'"
    for d in n.search_depths:
        if n.ratio[d] > 1:
            a, b, c, e = n.last_losses[d]
            assert a == c and b == e and a != b, \
                "App. B: 'a rate slightly above the limit ... a loss that alternates between two values'"
    assert n.window_is_contiguous, "App. B: 'every w0 from 0.8 to 1.15, and none outside it'"
    assert n.n_window < len(n.inits), "App. B: 'Only 8 of the 15 initial weights learn'"
    assert n.time_init[n.w_fast] == 0, "App. B: 'The fastest is w0 = 1.05, already below the threshold at the start'"
    assert [w for w in n.inits if w > n.window[1]] == [n.above_window_min], "App. B: 'Above it (w0 = 1.20)'"
    assert 0 < n.w_after < 1 and n.product_after < 1e-3, \
        "App. B: 'it cuts every weight from 1.2 to 0.21 ...: the network lands on the same plateau'"
    assert n.final_init[n.inits[0]] > 10 * n.noise_floor, "App. B: 'sits on the plateau for the whole run'"
    assert LNN_INIT_DEPTH == 15, "App. B: 'because the factor is a fourteenth power' (D - 1)"


def test_numpy_sentences():
    m = findings.load_numpy(loader.load, summary.benchmark)
    assert m.net_plain < 1e-7 and m.net_dropout < 1e-5, "App. C: 'the reading asks for at most 1e-7 ... and 1e-5 with it'"
    assert m.max_rel_error["softmax_ce"] < 1e-8, "App. C: 'expects errors at the scale of 1e-8; ours is ...'"
    assert m.max_rel_error["linear"] > 1e-10 and m.max_rel_error["relu"] > 1e-10 and m.dropout_layers > 1e-9, \
        "App. C: 'our single layers reach ... above those marks'"
    assert m.dropout_layers == m.max_rel_error["dropout_p0.5"], "App. C: 'The dropout checks at p = 0.5 stand out'"
    assert m.worst_param == "layer3.W" and m.other_params_max < m.net_dropout / 10, \
        "App. C: 'the error sits in one place: the weights just after the dropout layer'"
    assert m.max_loss_gap < 1e-14 and m.max_weight_gap < 1e-14, "App. C: 'They are the same computation'"
    assert m.n_pairs_differ == 0, "App. C: 'the two give the same test accuracy in every one of the ... pairs'"
    assert list(m.seeds) == list(range(m.seeds[0], m.seeds[-1] + 1)), "App. C: 'seeds 0–2'"
    assert m.engine_gain > 3 and m.batching_gain > 3, \
        "App. C: 'Two things, each worth several times' (the engine unbatched, then batching)"
    assert m.engine_batched_s < m.engine_unbatched_s < m.numpy_run_s < m.homework_loop_run_s, \
        "App. C: 'The NumPy network ... is faster than the homework’s loop but slower than the torch engine even unbatched'"
    assert m.same_platform, "App. C: 'Its runs report the same platform as the benchmark'"
    assert 0 < m.n_exact_steps < m.match_steps, "App. C: 'At 183 of the 300 steps the two losses are exactly equal'"
