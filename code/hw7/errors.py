"""Project errors. Each carries a one-line message that says what is wrong and what to do.

The CLI prints ``str(error)`` for any :class:`Hw7Error` and exits non-zero without a traceback.
"""


class Hw7Error(Exception):
    """Base class of every error the project reports to a person.

    In a Jupyter kernel (a chapter rendered by Quarto, or the nbclient preview) IPython shows what
    ``_render_traceback_`` returns instead of a traceback: the same one ``hw7: error:`` line the CLI
    prints, so a book that stops on bad data says why in one line, not at the end of 60."""

    def _render_traceback_(self) -> list[str]:
        return [f"hw7: error: {self}"]


class ConfigError(Hw7Error):
    """A run's config is malformed (unknown key, bad value)."""


class UnknownExperiment(Hw7Error):
    """An experiment name that the registry does not define."""


class CacheError(Hw7Error):
    """Something is wrong with a cache entry."""


class CacheMissing(CacheError):
    """A run the report needs has no cache entry yet."""


class CacheCorrupt(CacheError):
    """A cache entry that cannot be trusted (unparsable, checksum mismatch, wrong key, not a file)."""


class CacheUnwritable(CacheError):
    """The cache cannot take a new file (read-only folder, a file where a folder belongs, a full disk)."""


class SummaryStale(CacheError):
    """``cache/summary.json`` differs from what its cache entries give (edited, or not rebuilt)."""


def check_keys(kind: str, config: object, keys: "tuple[str, ...] | list[str]") -> None:
    """Raise one :class:`ConfigError` line unless ``config`` is a mapping with exactly ``keys``.

    Shared by the runners so every config typo reads the same way: what is unknown, what is missing.
    """
    from collections.abc import Mapping

    if not isinstance(config, Mapping):
        raise ConfigError(f"a {kind} config must be a JSON object, got {type(config).__name__}")
    unknown = sorted(set(config) - set(keys))
    missing = [k for k in keys if k not in config]
    if unknown or missing:
        raise ConfigError(f"{kind} config must have exactly the keys {', '.join(keys)}: "
                          f"unknown keys {unknown}, missing keys {missing}")
