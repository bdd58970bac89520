"""``python -m hw7``: the command line (see :mod:`hw7.cli`)."""

from .cli import main

raise SystemExit(main())
