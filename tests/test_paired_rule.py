"""The preface's rule: settings that share seeds are paired by seed (stats.paired, paired_against_control,
best_paired). Welch's test (stats.compare, stats.best, stats.against_control over seed groups) is allowed only
where nothing can be paired; every such call in the findings and the preface table is listed here with its reason,
so a new unpaired comparison of settings that share seeds fails this test until it is paired or justified."""

from __future__ import annotations

import re
from pathlib import Path

from hw7.findings import depth, p3, records
from hw7.present import stats

ROOT = Path(__file__).resolve().parents[1] / "code" / "hw7"
UNPAIRED = re.compile(r"stats\.(compare|best|against_control|welch)\(")

#: (file, the call's line, stripped) -> why it may not be paired
ALLOWED: dict[tuple[str, str], str] = {
    ("findings/records.py", "return tuple(stats.compare(group.acc.values, [lit.accuracy]) for lit in self.literature)"):
        "a published result is one number: judged by our seeds' prediction interval, nothing to pair",
    ("findings/expanded.py",
     "verdicts = stats.against_control(control.values, {sid: last_acc(rs).values for sid, rs in runs.items()})"):
        "each distortion variant is one run (seed 0): judged by the control's prediction interval, Holm over variants",
}


def _unpaired_calls() -> set[tuple[str, str]]:
    files = sorted((ROOT / "findings").glob("*.py")) + [ROOT / "headline.py"]
    return {(str(f.relative_to(ROOT)), line.strip()) for f in files for line in f.read_text().splitlines()
            if UNPAIRED.search(line)}


def test_every_unpaired_comparison_in_the_findings_is_listed_with_its_reason():
    calls = _unpaired_calls()
    assert calls <= set(ALLOWED), f"unpaired comparison without a reason (pair it, or list why): {calls - set(ALLOWED)}"
    assert set(ALLOWED) <= calls, f"listed but gone (drop from ALLOWED): {set(ALLOWED) - calls}"


def test_the_findings_that_share_seeds_are_paired_results():
    c = p3._part_c()
    shared = [c.wider, c.plain_deep_vs_wide, c.recipe_vs_p2, c.deep_vs_recipe, c.deep_vs_recipe_val,
              c.adam_on_bn_dropout, c.wider_winner, *c.wave1.values()]
    assert all(isinstance(v, stats.Paired) and v.n >= 3 for v in shared)
    d = depth.load()
    assert all(isinstance(v, stats.Paired) for b in d.budgets for v in b.holm.values())
    assert all(isinstance(v, stats.Paired) and v.p_raw is not None for v in d.budget_gain.values())
    for r in (records.shallow(), records.deep()):
        for v in (r.vs_control, r.vs_earlier, r.vs_first, r.schedule_without_distortions, r.distortions_earlier):
            assert v is None or isinstance(v, stats.Paired)


def test_a_paired_result_reads_every_shared_seed_whatever_their_number():
    a = {0: 0.98, 1: 0.981, 2: 0.979, 3: 0.982, 4: 0.980}
    b = {0: 0.975, 1: 0.977, 2: 0.976}
    assert stats.paired(a, b).n == 3
    assert stats.paired(a, {**b, 3: 0.978, 4: 0.976}).n == 5


def test_best_paired_ties_are_holm_corrected_over_the_comparisons_with_the_top():
    top = {0: 0.990, 1: 0.991, 2: 0.992, 3: 0.990}
    groups = {"top": top, **{f"o{i}": {s: v - 0.001 - 0.0004 * ((s + i) % 2) for s, v in top.items()} for i in range(4)}}
    raw = {k: stats.paired(v, top).p for k, v in groups.items() if k != "top"}
    corrected = dict(zip(raw, stats.holm(list(raw.values()))))
    b = stats.best_paired(groups)
    assert set(b.tied) == {"top"} | {k for k, p in corrected.items() if p >= stats.ALPHA}
    assert all(b.p_of(k) == corrected[k] for k in b.tied if k != "top")
