"""The HTML book works offline (code/hw7/booktools/offline_html.py): MathJax from the book itself, not a CDN;
search and the table of contents from disk (file://); and the preface fits a phone (browser_check)."""

from __future__ import annotations

import pytest

from hw7 import REPO_ROOT
from hw7.booktools import browser_check as bc
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


#: the start of Quarto 1.10's search loader (site_libs/quarto-search/quarto-search.js)
LOADER = """async function readSearchData() {
  // Initialize the search index on demand
  if (fuseIndex === undefined) {
    if (window.location.protocol === "file:" && !shownWarning) {
      window.alert("Search requires JavaScript features disabled when running in file://... URLs.");
      shownWarning = true;
      return;
    }
    const fuse = new window.Fuse([], kFuseIndexOptions);
    const response = await fetch(offsetURL("search.json"));
"""


def test_the_search_loader_reads_the_index_from_a_script_when_opened_from_disk():
    patched = oh.patch_search_loader(LOADER)
    assert patched is not None and oh.patch_search_loader(patched) == patched  # once only
    assert patched.index("hw7LoadSearchIndex()") < patched.index("window.alert")  # before Quarto gives up
    assert 'offsetURL("search.js")' in patched and 'fetch(offsetURL("search.json"))' in patched  # http as before
    assert oh.patch_search_loader(LOADER.replace("readSearchData", "loadIndex")) is None


def test_the_index_is_shipped_as_a_script(tmp_path):
    (tmp_path / oh.SEARCH_LOADER).parent.mkdir(parents=True)
    (tmp_path / oh.SEARCH_LOADER).write_text(LOADER)
    (tmp_path / oh.SEARCH_INDEX).write_text('[{"title": "Preface", "text": "Rosenbrock"}]\n')
    assert "search works from disk" in oh.ship_search(tmp_path)
    script = (tmp_path / oh.SEARCH_SCRIPT).read_text()
    assert script == 'window.hw7SearchIndex = [{"title": "Preface", "text": "Rosenbrock"}];\n'
    (tmp_path / oh.SEARCH_LOADER).write_text("function other() {}\n")
    assert oh.ship_search(tmp_path).startswith("WARNING")  # render_check fails on it


def test_quarto_js_becomes_one_classic_script():
    quarto_js = 'import * as tabsets from "./tabsets/tabsets.js";\n\nconst a = 1;\ntabsets.init();\n'
    tabsets_js = "// grouped tabsets\n\nexport function init() {\n  return 2;\n}\n"
    classic = oh.classic_quarto_js(quarto_js, tabsets_js)
    assert classic is not None and "import " not in classic and "export " not in classic
    assert classic.startswith(oh.CLASSIC_MARK) and oh.classic_quarto_js(classic, tabsets_js) == classic
    assert oh.classic_quarto_js(quarto_js + 'import x from "./y.js";\n', tabsets_js) is None  # unknown: untouched
    page = ('<script src="../site_libs/quarto-html/quarto.js" type="module"></script>\n'
            '<script src="../site_libs/quarto-html/tabsets/tabsets.js" type="module"></script>\n'
            '<script src="../site_libs/quarto-html/popper.min.js"></script>\n')
    assert oh.classic_scripts(page) == ('<script src="../site_libs/quarto-html/quarto.js" defer></script>\n'
                                        '<script src="../site_libs/quarto-html/popper.min.js"></script>\n')


browser = pytest.mark.skipif(bc.chromium() is None, reason="chromium is not installed (apt-get install chromium)")


@browser
def test_the_phone_width_check_can_fail(tmp_path):
    head = '<html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
    words = "a reference to a chapter with a long title " * 5
    (tmp_path / "index.html").write_text(f'{head}<p style="white-space: nowrap">{words}</p></body></html>')
    (tmp_path / "narrow.html").write_text(f"{head}<p>{words}</p></body></html>")
    wide = bc.probe(tmp_path, "index.html", bc.WIDTH, width=bc.PHONE_WIDTH)
    narrow = bc.probe(tmp_path, "narrow.html", bc.WIDTH, width=bc.PHONE_WIDTH)
    assert int(wide["scroll"]) > int(wide["client"]) and int(narrow["scroll"]) <= int(narrow["client"])


@browser
def test_the_rendered_book_works_from_disk():
    """Search and the contents from file://, the preface on a 400 px screen (render_check runs the same
    after every render; here the last one, if _book/ was rendered with this post-render step)."""
    book = REPO_ROOT / "_book"
    if not (book / oh.SEARCH_SCRIPT).exists():
        pytest.skip("no _book/ rendered by this version (make report)")
    assert bc.check(book) == []
