"""The MNIST copies this project trains on: data fingerprints it knows, and the override for others.

A data fingerprint (:func:`hw7.mnist.data.fingerprint`) is the sha256 of the decoded data: the train
images, train labels, test images and test labels as uint8 bytes, in that order (no IDX headers, so
``.gz`` and raw files of the same data agree). Valid IDX files with other contents (labels shuffled,
images from another data set) parse fine and train to nonsense, so ``hw7 run`` and ``hw7 verify``
stop before training on data whose fingerprint is not listed here, unless
``HW7_ALLOW_UNKNOWN_DATA=1`` asks for a deliberate experiment on other data (each MNIST entry records
the fingerprint it was trained on, so such results stay recognisable).

No torch here: the store's per-kind checks read this list while listing the cache.
"""

from __future__ import annotations

import os

#: Set to 1 to train on MNIST files whose fingerprint is not listed below (a deliberate experiment).
ALLOW_ENV = "HW7_ALLOW_UNKNOWN_DATA"

#: Images in the evaluation set of every run on a known copy: the 10,000 test images, or the 10,000
#: training images the validation split holds out (a sixth of 60,000).
EVAL_SIZE = 10_000

#: fingerprint -> what it is.
#:
#: What was established (on the course machine, 2026-12): the four files in ``../shared/data/MNIST/raw``
#: match ``../shared/data/MNIST/SHA256SUMS``, and each of those four sha256 values equals the sha256 that
#: several independent public projects record for the *canonical* decompressed files as downloaded from
#: the torchvision mirrors (ossci-datasets.s3.amazonaws.com/mnist, storage.googleapis.com/cvdf-datasets/mnist;
#: e.g. train-images-idx3-ubyte ba891046…76db, 47,040,016 bytes). ``../shared/README.md`` says the
#: training images were rebuilt from a lossless PNG export; the rebuild is byte-identical to the canonical
#: file. The fingerprint below was computed from this machine's copy; being a function of the same bytes,
#: it is also the fingerprint of the canonical files (raw or ``.gz``), so a user who downloads MNIST is not
#: stopped. What could not be established here: the canonical files themselves were not downloaded (no
#: internet on the course machine), so the equality rests on those published file hashes.
KNOWN: dict[str, str] = {
    "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16":
        "MNIST as published (torchvision mirrors; identical to ../shared/data on the course machines)",
}


def allowed_unknown() -> bool:
    """Whether the user asked to train on data whose fingerprint is not in :data:`KNOWN`."""
    return os.environ.get(ALLOW_ENV, "").strip() not in ("", "0")
