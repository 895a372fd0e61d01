"""The digit-sum task's images: sklearn's load_digits, or the MNIST IDX files of the protocol
(shared/data/README.md). Each loader returns (train images, labels), (test images, labels), source.
Used by the task (evals/digits/task.py) and its neural baselines (evals/digits/baseline.py).
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np


def load_sklearn(seed: int):
    """load_digits: 1,797 8x8 images, shuffled; ~2/3 for training pairs, the rest for testing."""
    from sklearn.datasets import load_digits
    d = load_digits()
    order = np.random.default_rng(seed).permutation(len(d.target))
    images = (d.images[order] / 16.0).astype(np.float32)[:, None]
    labels = d.target[order].astype(np.int64)
    cut = 1200
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:]), "load_digits (sklearn, 8x8)"


def load_mnist(directory: str):
    """The protocol: MNIST test images 0..7999 -> 4,000 training pairs, 8000..9999 -> 1,000 test pairs."""
    root = Path(directory)
    with gzip.open(root / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(root / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    images = ((images / 255.0 - 0.1307) / 0.3081).astype(np.float32)
    return (images[:8000], labels[:8000]), (images[8000:10000], labels[8000:10000]), "MNIST t10k (28x28)"
