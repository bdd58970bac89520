"""What the chapters say, computed once from the cache as typed, frozen findings.

A chapter loads its findings in one setup cell and cites their fields through a formatter; the claim
tests (``tests/test_claims.py``) assert on the very same objects, so a sentence and its test cannot
read different numbers. This package sits above the store (it reads cached entries), beside
``hw7.headline``; the families below it never import it.
"""
