"""The HTML book's MathJax comes from the book itself (code/hw7/booktools/offline_html.py), not a CDN."""

from __future__ import annotations

from hw7.booktools import offline_html as oh
from hw7.booktools import render_check as rc

PAGE = """<head>
  <script src="https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js?features=es6"></script>
  <script src="site_libs/mathjax/tex-chtml-full.js" type="text/javascript"></script>
  <script src="site_libs/quarto-nav/quarto-nav.js"></script>
</head>"""


def test_pages_load_the_shipped_mathjax_by_a_relative_path_and_no_polyfill():
    cdn_page = PAGE.replace("site_libs/mathjax", "https://cdn.jsdelivr.net/npm/mathjax@3/es5")
    top, nested = oh.localise(PAGE, 0), oh.localise(cdn_page, 1)
    assert 'src="site_libs/mathjax/tex-chtml-full.js"' in top
    assert 'src="../site_libs/mathjax/tex-chtml-full.js"' in nested
    assert "polyfill" not in top + nested and "quarto-nav.js" in top
    assert rc.external_loads(top) == [] and rc.external_loads(nested) == []
    assert rc.external_loads(PAGE) == ["https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js?features=es6"]


def test_mathjax_is_installed_and_shipped_with_its_fonts(tmp_path):
    source = oh.mathjax_dir()
    oh.ship_mathjax(tmp_path, source)
    assert (tmp_path / oh.TARGET / oh.SCRIPT).stat().st_size > 1_000_000
    assert list((tmp_path / oh.TARGET / oh.FONTS).glob("*.woff"))
