"""The chapters hold prose and calls, not analysis: no function or plotting code in a .qmd, short
inline expressions, a small Python budget; and the figures they draw from package functions fit the page.

Scoped to the chapters rewritten on findings (the preface and Problems 2 and 3); add a chapter to
``CHAPTERS`` once it, too, reads its findings.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from hw7 import REPO_ROOT  # noqa: E402
from hw7.booktools.preview import CELL_RE, INLINE_RE  # noqa: E402
from hw7.present import plots  # noqa: E402

CHAPTERS = [REPO_ROOT / p for p in ("index.qmd", "report/p2-shallow-mnist.qmd", "report/p3-deep-nets.qmd")]
#: lines of Python (code cells, without cell options and blank lines) these chapters may hold together
BUDGET = 90
FORBIDDEN = re.compile(r"^\s*(def |lambda|plt\.)|\blambda\b|\bplt\.|\bmatplotlib\b", re.M)


def _code(path) -> list[str]:
    return [line for m in CELL_RE.finditer(path.read_text()) for line in m.group(1).splitlines()
            if line.strip() and not line.strip().startswith("#|")]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_functions_or_plotting_in_the_chapter(path):
    bad = [line for line in _code(path) if FORBIDDEN.search(line)]
    assert bad == [], f"{path.name}: move this into the package: {bad}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_inline_expressions_are_short(path):
    prose = CELL_RE.sub("", path.read_text())
    long = [e for e in INLINE_RE.findall(prose) if len(e.strip()) > 80]
    assert long == [], f"{path.name}: inline expressions over 80 characters: {long}"


def test_python_budget():
    lines = {p.name: len(_code(p)) for p in CHAPTERS}
    assert sum(lines.values()) <= BUDGET, lines


def test_the_budget_check_can_fail(tmp_path):
    chapter = tmp_path / "x.qmd"
    chapter.write_text("```{python}\n#| label: x\ndef f():\n    return plt.plot()\n```\n\n`{python} " + "a" * 81 + "`\n")
    assert [line for line in _code(chapter) if FORBIDDEN.search(line)]
    assert [e for e in INLINE_RE.findall(CELL_RE.sub("", chapter.read_text())) if len(e.strip()) > 80]


def _p3_hists():
    from hw7.findings import p3

    f = p3.load()
    return {"sigmoid": f.a.sigmoid.history, "relu": f.b.relu.history}, f.a.sigmoid.lrs


def _ratio():
    from hw7.mnist import figures_deep

    return figures_deep.ratio_panels(*_p3_hists())


def _accuracy():
    from hw7.mnist import figures_deep

    return figures_deep.accuracy_panels(*_p3_hists())


def _expanded(problem):
    def draw():
        from hw7.findings import expanded
        from hw7.mnist import figures_augment

        return figures_augment.expansion_figure(getattr(expanded, problem)())
    return draw


@pytest.mark.parametrize("draw", [_ratio, _accuracy, _expanded("p2"), _expanded("p3")],
                         ids=["p3-ratio", "p3-acc", "p2-expanded", "p3-expanded"])
def test_new_figures_fit_the_page(draw, monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    fig = draw()
    try:
        assert fig.get_size_inches()[0] <= plots.MAX_WIDTH_IN + 1e-9
        smallest = min(plots.print_font_sizes(fig))
        assert smallest[0] >= plots.MIN_PRINT_PT, f"'{smallest[1]}' prints at {smallest[0]:.1f} pt"
        labels = [t.get_text() for t in fig.findobj(plt.Text)]
        assert not any("_" in t for t in labels), "a raw underscore in a figure label"
    finally:
        plt.close(fig)
