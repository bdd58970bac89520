"""Every `hw7` command the documentation shows still works (issue 27: `verify --key 3503a82b` exited 2).

Each command in README.md, DESIGN.md, docs/ and the reproducibility appendix — in fenced code blocks and in
inline code — is parsed with the CLI's own argument parser, and what it names is resolved: experiment names
and patterns against the registry, run keys against the registry's keys. Upper-case words (``KEY``,
``NAME``) and ``…`` are placeholders. Paths and git revisions in examples (``A/summary.json``, ``v1.0``)
are illustrations and are not checked.
"""

from __future__ import annotations

import re
import shlex

import pytest

from hw7 import REPO_ROOT, cli
from hw7.errors import Hw7Error
from hw7.instructors import verify
from hw7.store import registry

DOCS = [REPO_ROOT / "README.md", REPO_ROOT / "DESIGN.md", *sorted((REPO_ROOT / "docs").glob("*.md")),
        REPO_ROOT / "report" / "app-reproducibility.qmd"]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`\n]*\bhw7 [^`\n]*)`")
ENV = re.compile(r"^[A-Z_][A-Z0-9_]*=")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*$|…|\.\.\.|^<[^>]+>$")


def hw7_argv(line: str) -> list[str] | None:
    """The arguments of a `hw7 ...` / `python -m hw7 ...` command line (env assignments, `$ ` and comments
    dropped), or None when the line is no such command (output, another program, `-m hw7.booktools...`)."""
    line = line.strip().removeprefix("$ ")
    words = line.split()
    while words and ENV.match(words[0]) and '"' not in words[0]:
        words.pop(0)
    if not words:
        return None
    first = words[0].rsplit("/", 1)[-1]
    if first != "hw7" and not (first.startswith("python") and words[1:3] == ["-m", "hw7"]):
        return None
    tokens = shlex.split(line, comments=True)
    while tokens and ENV.match(tokens[0]):
        tokens.pop(0)
    return tokens[1:] if tokens[0].rsplit("/", 1)[-1] == "hw7" else tokens[3:]


def commands(text: str) -> list[list[str]]:
    """Every hw7 command of a document: fenced lines, then inline code spans."""
    blocks = (block.replace("\\\n", " ") for block in FENCE.findall(text))  # a line continued with "\" is one command
    found = [hw7_argv(line) for block in blocks for line in block.splitlines()]
    found += [hw7_argv(span) for span in INLINE.findall(text)]
    return [argv for argv in found if argv is not None]


def problems(argv: list[str]) -> list[str]:
    """Why ``hw7 ARGV`` would not work as the documentation promises (empty: it would)."""
    if argv and PLACEHOLDER.search(argv[0]):
        return []  # `hw7 …`: the command itself is left open
    try:
        args = cli.build_parser().parse_args(argv)
    except SystemExit as exc:
        return [] if exc.code == 0 else [f"the parser rejects it (exit {exc.code})"]
    out = []
    for name in (n for n in getattr(args, "names", None) or [] if not PLACEHOLDER.search(n)):
        try:
            registry.select([name])
        except Hw7Error as exc:
            out.append(str(exc))
    for key in (k for k in getattr(args, "key", None) or [] if not PLACEHOLDER.search(k)):
        try:
            verify.find_key(key)
        except Hw7Error as exc:
            out.append(str(exc))
    return out


ALL = [(path.relative_to(REPO_ROOT).as_posix(), argv) for path in DOCS for argv in commands(path.read_text())]


def test_the_documents_show_commands_of_every_kind():
    """Guards the extractor: if it found nothing, the test below would pass on anything."""
    shown = {argv[0] for _, argv in ALL if argv}
    assert {"list", "run", "summary", "diff", "verify"} <= shown
    assert len(ALL) >= 40
    assert any(doc == "docs/instructors.md" and "--key" in argv for doc, argv in ALL)


@pytest.mark.parametrize("doc, argv", ALL, ids=[f"{doc}: hw7 {' '.join(argv)}"[:90] for doc, argv in ALL])
def test_every_documented_command_parses_and_resolves(doc, argv, capsys):
    assert problems(argv) == [], f"{doc}: `hw7 {shlex.join(argv)}`"


@pytest.mark.parametrize("line, ok", [
    ("python -m hw7 verify --key 3503a82b   # one run by key", False),  # issue 27: no such key any more
    ("hw7 verify 'p9-*'", False),  # a pattern that matches nothing
    ("hw7 verify --sample 3 --seeed 1", False),  # a misspelt option
    ("$ HW7_CACHE_DIR=/tmp/x python -m hw7 verify 'p1-*' --no-progress", True),
    (".venv/bin/python -m hw7 verify --key KEY", True),  # a placeholder
])
def test_the_check_catches_a_stale_example(line, ok, capsys):
    argv = hw7_argv(line)
    assert argv is not None and (problems(argv) == []) is ok


def test_lines_that_are_not_hw7_commands_are_skipped():
    assert hw7_argv("make render-check   # = .venv/bin/python -m hw7.booktools.render_check") is None
    assert hw7_argv("verify: 3 run(s) of p1-b") is None
    assert hw7_argv("A: cache/summary.json") is None
    assert commands("```bash\npython -m hw7 list -v p1-b  # one line per run\n```\nsee `hw7 summary`.") == [
        ["list", "-v", "p1-b"], ["summary"]]

