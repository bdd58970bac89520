"""Read the rendered HTML book in headless Chromium as an offline reader does: from disk, no network.

Checks, each on a copy of ``_book/`` opened as ``file://`` with every host name resolving to nothing:

* **search**: Quarto's search loads its index without an alert and finds a word of the book's first
  page title (code/hw7/booktools/offline_html.py ships the index as a script);
* **contents**: on a chapter page, scrolling to a later section marks that section in the table of
  contents (offline_html.py loads Quarto's page script as a classic script, which ``file://`` allows);
* **phone width**: the preface is no wider than a 400 px screen (partials/html-offline.scss lets long
  chapter references wrap).

Each page is loaded into a frame of the wanted size inside a small harness page (a headless window is
at least 500 px wide); a script added to the page posts what it measured to the harness, and
Chromium's ``--dump-dom`` prints the harness with the results as attributes. ``render_check`` runs
these checks after a render when Chromium is installed (``apt-get install chromium``); so does
tests/test_offline_html.py when a rendered ``_book/`` exists.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PHONE_WIDTH = 400
ATTRIBUTE = re.compile(r'data-hw7-([\w-]+)="([^"]*)"')

FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="width:{width}px;height:{height}px;border:0"></iframe>
<script>window.addEventListener("message", function (e) {{
  for (const k in e.data) {{ document.documentElement.setAttribute("data-hw7-" + k, e.data[k]); }}
}});</script></body></html>"""

#: run in the page once it has loaded (and MathJax has had time): post the measurements to the harness
PROBE = """<script>
window.alert = function (m) { window.hw7Alert = String(m); };
window.addEventListener("load", function () { setTimeout(async function () {
  const out = {};
  try { %s } catch (e) { out.error = String(e); }
  if (window.hw7Alert) { out.alert = window.hw7Alert; }
  parent.postMessage(out, "*");
}, 1000); });
</script>"""

SEARCH = """const fuse = await readSearchData();
  out.hits = fuse ? fuse.search(%s).length : -1;"""
WIDTH = """const root = document.documentElement;
  out.scroll = root.scrollWidth; out.client = root.clientWidth;"""
CONTENTS = """const links = Array.from(document.querySelectorAll("#TOC a[data-scroll-target]"));
  const last = links[links.length - 1];
  document.querySelector(last.getAttribute("data-scroll-target")).scrollIntoView();
  document.dispatchEvent(new Event("scroll"));
  await new Promise(function (done) { setTimeout(done, 1000); });
  out.wanted = last.getAttribute("href");
  out.active = Array.from(document.querySelectorAll("#TOC a.active"))
    .map(function (a) { return a.getAttribute("href"); }).join(" ");"""


def chromium() -> str | None:
    return next((path for path in map(shutil.which, CHROMIUM) if path), None)


def probe(book: Path, page: str, script: str, *, width: int = 1300, height: int = 900,
          browser: str | None = None) -> dict[str, str]:
    """Open ``book/page`` from disk in a ``width`` x ``height`` frame with ``script`` added; what it posted."""
    target = book / page
    probe_page = target.with_name(f"hw7-probe-{target.name}")
    probe_page.write_text(target.read_text(encoding="utf-8").replace("</body>", PROBE % script + "</body>", 1),
                          encoding="utf-8")
    frame = target.with_name(f"hw7-frame-{target.name}")
    frame.write_text(FRAME.format(src=probe_page.name, width=width, height=height), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([browser or chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                               f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
                               "--window-size=1400,1000", "--virtual-time-budget=20000", "--dump-dom",
                               frame.as_uri()], capture_output=True, text=True, timeout=180)
    root = re.search(r"<html[^>]*>", proc.stdout)  # the harness's root element carries the results
    return {k: html.unescape(v) for k, v in ATTRIBUTE.findall(root.group(0) if root else "")}


def search_word(book: Path) -> str:
    """A word the book surely contains: the longest word of its first indexed title."""
    docs = json.loads((book / "search.json").read_text(encoding="utf-8"))
    title = next(d.get("title", "") for d in docs if d.get("title"))
    return max(re.findall(r"[A-Za-z]{4,}", title), key=len)


def longest_contents(book: Path) -> str:
    """The page with the longest table of contents (where following the scroll matters most)."""
    pages = sorted(book.rglob("*.html"))
    best = max(pages, key=lambda p: p.read_text(encoding="utf-8").count("data-scroll-target="))
    return best.relative_to(book).as_posix()


def check(out_dir: Path, chapter: str | None = None, browser: str | None = None) -> list[str]:
    """Problems an offline reader meets in the book at ``out_dir`` (empty: none). ``chapter``: the page
    whose table of contents is scrolled (default: the one with the longest contents)."""
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book"
        shutil.copytree(out_dir, book)
        chapter = chapter or longest_contents(book)
        word = search_word(book)
        found = probe(book, "index.html", SEARCH % json.dumps(word), browser=browser)
        wide = probe(book, "index.html", WIDTH, width=PHONE_WIDTH, browser=browser)
        toc = probe(book, chapter, CONTENTS, browser=browser)
    problems = []
    if found.get("alert") or found.get("error") or int(found.get("hits", "0")) < 1:
        problems.append(f"search from disk found no {word!r} in index.html: {found}")
    if not wide or int(wide.get("scroll", "0")) > int(wide.get("client", "0")):
        problems.append(f"index.html is wider than a {PHONE_WIDTH} px screen (scrolls sideways): {wide}")
    if "wanted" not in toc or toc.get("active") != toc["wanted"]:
        problems.append(f"the contents of {chapter} do not follow the scroll from disk: {toc}")
    return problems
