"""What the chapters say, computed once from the cache as typed, frozen findings.

Every chapter loads its findings the same way, in one setup cell (``from hw7.findings import p1``;
``f = p1.load()``), and cites their fields through a formatter; the claim tests
(``tests/test_claims*.py``) assert on the very same objects, so a sentence and its test cannot read
different numbers. One module per chapter or family (``p1``, ``p2``, ``p3``, ``zoo``, ``lnn``,
``numpy_net``; ``expanded``, ``depth`` and ``records`` for sections two chapters share), none over
400 lines. This package sits above the store (it reads cached entries through ``source``), beside
``hw7.headline``; the families below it never import it.
"""
