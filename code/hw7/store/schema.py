"""Every cache entry is checked for sense when read, not only for its checksum.

The checksum proves the file is what was written; this proves what was written is something this
project's runners can produce: the envelope (fields and types; ``kind`` and ``key`` agree with the
config's hash, the code version and the file's own path; metadata that is plain short text) and the
result, by the kind's own check, declared next to its runner (:data:`RESULT_CHECKS`). A failure is a
:class:`~hw7.sense.Nonsense` naming the field; the cache reports it as CORRUPT, like a bad checksum.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping

from hw7.mnist import results as mnist_results
from hw7.problem1 import results as problem1_results
from hw7.readings import results as readings_results
from hw7.sense import Nonsense, fields, hex_digest, integer, mapping, need, real, text
from hw7.store import registry

#: kind -> its result check ``(config, result) -> None`` (raises Nonsense); tests/test_schema.py checks every kind has one
RESULT_CHECKS: dict[str, Callable[[Mapping[str, Any], Any], None]] = {
    "mnist": mnist_results.check,
    "rosenbrock": problem1_results.check_trajectory,
    "rosenbrock_sweep": problem1_results.check_sweep,
    "zoo": readings_results.check_zoo,
    "lnn": readings_results.check_lnn,
    "numpy_net": readings_results.check_numpy_net,
    "numpy_gradcheck": readings_results.check_gradcheck,
}

ENVELOPE = ("schema", "key", "kind", "code_version", "experiment", "config", "result", "meta", "checksum")
META = ("seconds", "device", "versions", "platform", "created")
#: metadata text: one line, no control characters (markup is allowed here: the book escapes what it prints)
ONE_LINE = re.compile(r"[^\x00-\x1f\x7f]+")
NAME = re.compile(r"[A-Za-z0-9_.+-]+")


def check_entry(entry: Any, path: Path | None = None) -> None:
    """Raise :class:`Nonsense` unless ``entry`` is an entry this project can have written (at ``path``)."""
    e = fields(entry, "the entry", ENVELOPE)
    integer(e["schema"], "schema", 1, 1)
    kind = text(e["kind"], "kind", 40, NAME)
    need(kind in RESULT_CHECKS, f"kind {kind!r} is not a kind of this project")
    key = hex_digest(e["key"], "key", (16,))
    version = integer(e["code_version"], "code_version", 1)
    config = mapping(e["config"], "config")
    need(registry.key_of(kind, dict(config), version) == key,
         "key is not the hash of the entry's kind, config and code version")
    if path is not None:
        need(Path(path).stem == key and Path(path).parent.name == kind,
             f"it holds another config than its name says: its kind and key say {kind}/{key}.json, "
             f"not {Path(path).parent.name}/{Path(path).name}")
    text(e["experiment"], "experiment", 80, NAME)
    hex_digest(e["checksum"], "checksum")
    _meta(e["meta"])
    RESULT_CHECKS[kind](config, e["result"])


def _meta(meta: Any) -> None:
    """How the run was computed: plain one-line texts of bounded length, a real time, a parsable date."""
    m = fields(meta, "meta", META, ("machine",))
    real(m["seconds"], "meta.seconds", 0.0)
    text(m["device"], "meta.device", 40, ONE_LINE)
    text(m["platform"], "meta.platform", 200, ONE_LINE)
    for name, version in mapping(m["versions"], "meta.versions").items():
        text(name, "a meta.versions name", 40, NAME)
        text(version, f"meta.versions.{name}", 60, ONE_LINE)
    try:
        datetime.fromisoformat(text(m["created"], "meta.created", 40))
    except ValueError:
        raise Nonsense(f"meta.created is not a date and time: {m['created']!r:.40}") from None
    if "machine" in m:
        for name, value in mapping(m["machine"], "meta.machine").items():
            text(name, "a meta.machine name", 40, NAME)
            need(isinstance(value, (str, int)) and not isinstance(value, bool), f"meta.machine.{name} must be text or a count")
            if isinstance(value, str):
                text(value, f"meta.machine.{name}", 200, ONE_LINE)
