"""``python -m hw7``: the command line (see :mod:`hw7.cli`)."""

from hw7.cli import main

raise SystemExit(main())
