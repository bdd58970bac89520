"""Homework 7: optimizers on the Rosenbrock valley, shallow and deep nets on MNIST.

The report's chapters import this package to read cached results and draw figures;
the command line (``python -m hw7``) computes and caches those results.
"""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root (the folder holding ``code/``, ``cache/`` and ``report/``).
REPO_ROOT = Path(__file__).resolve().parents[2]
