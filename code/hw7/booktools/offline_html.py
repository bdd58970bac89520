"""Make the HTML book work with no network (Quarto post-render script).

Quarto's HTML pages load MathJax from a CDN, and a polyfill script from another one, so a book opened
offline shows raw TeX. This script, run by Quarto after every render (``_quarto.yml``,
``post-render``), copies MathJax 3 (``tex-chtml-full.js`` and its fonts) from the
``django-static-mathjax`` package installed in the project's environment into
``_book/site_libs/mathjax/``, points every page's MathJax script at that copy by a relative path, and
drops the polyfill (MathJax 3 needs none in current browsers). MathJax rather than pandoc's MathML:
headless-Chromium screenshots with networking disabled showed Chromium's native MathML misplacing
primes and subscripts and depending on a math font installed on the reader's machine, while the
shipped MathJax typesets every formula the same everywhere (README, "Checking the rendered book").

Search works from disk too. Quarto's search loads its index with ``fetch("search.json")``, which a
browser refuses for a page opened as ``file://``: Quarto then shows an alert and finds nothing. This
script writes the same index as a script, ``search.js`` (``window.hw7SearchIndex = [...]``), and
patches Quarto's loader (``site_libs/quarto-search/quarto-search.js``) to read it through a
``<script>`` element when the page is a file; over http it still fetches ``search.json``.

The table of contents follows the scroll from disk too. Quarto loads its page script
(``site_libs/quarto-html/quarto.js``, which marks the current section in the contents) as a JavaScript
module, and browsers refuse module scripts from ``file://``. This script joins it and the one module it
imports (``tabsets/tabsets.js``) into one classic script, wrapped in a function so its names stay its
own, and loads it with ``defer``, which runs it when a module would have run.

``render_check`` fails on any page that still loads a script, style or font from another machine.
It imports only the standard library, because Quarto runs it as a plain script.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # code/hw7/booktools/offline_html.py -> the repository
OUT_DIR = "_book"
TARGET = Path("site_libs") / "mathjax"
SCRIPT = "tex-chtml-full.js"
FONTS = Path("output") / "chtml" / "fonts" / "woff-v2"

SEARCH_INDEX = "search.json"
SEARCH_SCRIPT = "search.js"
SEARCH_LOADER = Path("site_libs") / "quarto-search" / "quarto-search.js"
#: where Quarto's loader starts building the index; the file:// branch goes first
SEARCH_HOOK = re.compile(r"(async function readSearchData\(\) \{\s*(?://[^\n]*\n\s*)?if \(fuseIndex === undefined\) \{\n)")
SEARCH_PATCH = """    // hw7 (code/hw7/booktools/offline_html.py): from disk the browser refuses fetch(), so read the same
    // index from search.js, a script
    if (window.location.protocol === "file:") {
      fuseIndex = new window.Fuse(await hw7LoadSearchIndex(), kFuseIndexOptions);
      return fuseIndex;
    }
"""
SEARCH_FUNCTION = """
// hw7 (code/hw7/booktools/offline_html.py): the search index as a script, which a file:// page may load
function hw7LoadSearchIndex() {
  if (window.hw7SearchIndex) {
    return Promise.resolve(window.hw7SearchIndex);
  }
  return new Promise(function (resolve, reject) {
    const script = document.createElement("script");
    script.src = offsetURL("%s");
    script.onload = function () { resolve(window.hw7SearchIndex); };
    script.onerror = function () { reject(new Error("the search index %s is missing")); };
    document.head.appendChild(script);
  });
}
""" % (SEARCH_SCRIPT, SEARCH_SCRIPT)

QUARTO_JS = Path("site_libs") / "quarto-html" / "quarto.js"
TABSETS_JS = Path("site_libs") / "quarto-html" / "tabsets" / "tabsets.js"
TABSETS_IMPORT = 'import * as tabsets from "./tabsets/tabsets.js";'
CLASSIC_MARK = "// hw7 (code/hw7/booktools/offline_html.py): quarto.js and tabsets.js as one classic script"
#: the two module <script> elements of a page (the page script, and the module it imports)
MODULE_TAG = re.compile(r'<script src="([^"]*site_libs/quarto-html/(quarto|tabsets/tabsets)\.js)" type="module"></script>\n?')

#: a <script> element loading MathJax from anywhere, and the polyfill Quarto adds beside it
MATHJAX_SRC = re.compile(r'(<script\b[^>]*\bsrc=")[^"]*?(tex-[\w-]+\.js)(")')
POLYFILL = re.compile(r'\s*<script\b[^>]*\bsrc="[^"]*polyfill[^"]*"[^>]*>\s*</script>')


def mathjax_dir(root: Path = ROOT) -> Path:
    """MathJax's ``es5`` folder inside the installed django-static-mathjax package (import name
    ``mathjax``); the project's .venv is searched too, for a Quarto that runs another Python."""
    candidates = []
    spec = importlib.util.find_spec("mathjax")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / "static" / "mathjax" / "es5" for p in spec.submodule_search_locations]
    candidates += sorted(root.glob(".venv/lib/python*/site-packages/mathjax/static/mathjax/es5"))
    for folder in candidates:
        if (folder / SCRIPT).is_file():
            return folder
    raise FileNotFoundError("MathJax not found: install the project (make install; package django-static-mathjax)")


def ship_mathjax(out_dir: Path, source: Path) -> None:
    """Copy the one MathJax bundle the pages use and its web fonts into the book."""
    target = out_dir / TARGET
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / SCRIPT, target / SCRIPT)
    shutil.copytree(source / FONTS, target / FONTS, dirs_exist_ok=True)
    license_file = source.parent / "LICENSE"
    if license_file.is_file():
        shutil.copy2(license_file, target / "LICENSE")


def localise(page_html: str, depth: int) -> str:
    """A page's HTML with MathJax loaded from the book's own copy (``depth``: folders below the
    book's root) and without the polyfill script."""
    local = "../" * depth + (TARGET / SCRIPT).as_posix()
    page_html = MATHJAX_SRC.sub(lambda m: m.group(1) + local + m.group(3), page_html)
    return POLYFILL.sub("", page_html)


def classic_quarto_js(quarto_js: str, tabsets_js: str) -> str | None:
    """quarto.js with tabsets.js inlined, as a classic script (unchanged if already done); None when either is
    not what this expects (a newer Quarto: the contents stay still from disk)."""
    if quarto_js.startswith(CLASSIC_MARK):
        return quarto_js
    imports = [line for line in quarto_js.splitlines() if line.startswith(("import ", "export "))]
    exports = [line for line in tabsets_js.splitlines() if line.startswith(("import ", "export "))]
    if imports != [TABSETS_IMPORT] or exports != ["export function init() {"]:
        return None
    tabsets = tabsets_js.replace("export function init() {", "function init() {")
    return (f"{CLASSIC_MARK}\n(function () {{\n\"use strict\";\nconst tabsets = (function () {{\n{tabsets}\n"
            f"return {{ init }};\n}})();\n{quarto_js.replace(TABSETS_IMPORT, '')}\n}})();\n")


def classic_scripts(page_html: str) -> str:
    """A page loading the classic quarto.js (deferred, as a module is) and no tabsets.js module."""
    return MODULE_TAG.sub(lambda m: f'<script src="{m.group(1)}" defer></script>\n' if m.group(2) == "quarto" else "",
                          page_html)


def ship_classic_quarto_js(out_dir: Path) -> bool:
    """Write the classic quarto.js; False (and nothing written) when Quarto's scripts are not as expected."""
    quarto, tabsets = out_dir / QUARTO_JS, out_dir / TABSETS_JS
    if not quarto.is_file() or not tabsets.is_file():
        return False
    classic = classic_quarto_js(quarto.read_text(encoding="utf-8"), tabsets.read_text(encoding="utf-8"))
    if classic is None:
        return False
    quarto.write_text(classic, encoding="utf-8")
    return True


def patch_search_loader(js: str) -> str | None:
    """Quarto's search loader with the file:// branch added (unchanged if already there); None when the
    loader's code is not what this patch expects (a newer Quarto: search from disk stays broken)."""
    if "hw7LoadSearchIndex" in js:
        return js
    if not SEARCH_HOOK.search(js):
        return None
    return SEARCH_HOOK.sub(lambda m: m.group(1) + SEARCH_PATCH, js, count=1) + SEARCH_FUNCTION


def ship_search(out_dir: Path) -> str:
    """Write search.json's index as search.js and patch the loader; a one-line report."""
    index, loader = out_dir / SEARCH_INDEX, out_dir / SEARCH_LOADER
    if not index.is_file() or not loader.is_file():
        return "offline html: no search index in this render"
    (out_dir / SEARCH_SCRIPT).write_text("window.hw7SearchIndex = " + index.read_text(encoding="utf-8").strip()
                                         + ";\n", encoding="utf-8")
    patched = patch_search_loader(loader.read_text(encoding="utf-8"))
    if patched is None:
        return f"WARNING: offline html: {SEARCH_LOADER.as_posix()} has no readSearchData() to patch: search from disk fails"
    loader.write_text(patched, encoding="utf-8")
    return f"offline html: search index shipped as {SEARCH_SCRIPT}; search works from disk"


def main(root: Path = ROOT) -> int:
    out_dir = root / OUT_DIR
    pages = sorted(out_dir.rglob("*.html")) if out_dir.exists() else []
    if not pages:
        return 0
    ship_mathjax(out_dir, mathjax_dir(root))
    classic = ship_classic_quarto_js(out_dir)
    changed = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        new = localise(text, len(page.relative_to(out_dir).parts) - 1)
        new = classic_scripts(new) if classic else new
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    print(f"offline html: MathJax shipped in {OUT_DIR}/{TARGET.as_posix()}; {changed} pages load it from there")
    print("offline html: quarto.js loaded as a classic script; the contents follow the scroll from disk" if classic
          else f"WARNING: offline html: {QUARTO_JS.as_posix()} is not as expected: the contents stay still from disk")
    print(ship_search(out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
