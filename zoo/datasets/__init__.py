"""Data: embedded real datasets, corruption, and streaming from files.

- `load(name, split)`: `mnist5k`, `digits`, `ecg_mitdb`, loaded offline with
  fixed, disjoint splits (see `zoo.datasets.embedded`).
- `binarize`, `corrupt`: the one binarization and the seeded corruptions for
  denoising (`zoo.datasets.corruption`).
- `from_files`: `.npz` parts, TFRecords or an image folder streamed as a
  batched `tf.data.Dataset` (`zoo.datasets.streaming`).

Example:
>>> x_train, y_train = zoo.datasets.load("mnist5k", split="train")
>>> x_train.shape, x_train.dtype
((4000, 28, 28, 1), dtype('float32'))
"""

from zoo.datasets.corruption import (
    CORRUPTIONS,
    PREPROCESSING,
    binarize,
    check_corruption,
    corrupt,
    preprocessed,
)
from zoo.datasets.embedded import (
    ECG_TRAIN_SAMPLES,
    SPLITS,
    DatasetSpec,
    dataset_spec,
    list_datasets,
    load,
)
from zoo.datasets.streaming import from_files, npz_array, write_tfrecords

__all__ = [
    "CORRUPTIONS", "ECG_TRAIN_SAMPLES", "PREPROCESSING", "SPLITS", "DatasetSpec", "binarize",
    "check_corruption", "corrupt", "dataset_spec", "from_files", "list_datasets", "load",
    "npz_array", "preprocessed", "write_tfrecords",
]
