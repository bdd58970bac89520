"""Project errors. Each carries a one-line message that says what is wrong and what to do.

The CLI prints ``str(error)`` for any :class:`Hw7Error` and exits non-zero without a traceback.
"""


class Hw7Error(Exception):
    """Base class of every error the project reports to a person."""


class ConfigError(Hw7Error):
    """A run's config is malformed (unknown key, bad value)."""


class UnknownExperiment(Hw7Error):
    """An experiment name that the registry does not define."""


class CacheError(Hw7Error):
    """Something is wrong with a cache entry."""


class CacheMissing(CacheError):
    """A run the report needs has no cache entry yet."""


class CacheCorrupt(CacheError):
    """A cache entry that cannot be trusted (unparsable, checksum mismatch, wrong key)."""
