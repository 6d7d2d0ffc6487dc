"""Embedded datasets: deterministic disjoint splits, shapes, the ECG protocol, corruption."""

import numpy as np
import pandas as pd
import pytest

import zoo
from zoo import datasets


@pytest.mark.parametrize("name,shape,sizes", [
    ("mnist5k", (28, 28, 1), (4000, 1000)),
    ("digits", (8, 8, 1), (1437, 360)),
])
def test_image_splits_are_deterministic_disjoint_and_in_range(name, shape, sizes):
    x_train, y_train = datasets.load(name, "train")
    x_test, y_test = datasets.load(name, "test")
    x_all, _ = datasets.load(name, "all")
    assert (len(x_train), len(x_test)) == sizes and len(x_all) == sum(sizes)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert x.shape[1:] == shape and x.dtype == np.float32 and y.dtype == np.int64
        assert x.min() >= 0.0 and x.max() <= 1.0 and x.max() > 0.9
        assert len(np.unique(y)) == 10
    again, _ = datasets.load(name, "train")
    np.testing.assert_array_equal(x_train, again)
    train_rows = {row.tobytes() for row in x_train}
    overlap = sum(row.tobytes() in train_rows for row in x_test)
    duplicates_in_source = len(x_all) - len({row.tobytes() for row in x_all})
    assert overlap <= duplicates_in_source  # disjoint up to identical images in the source


def _mitdb():
    import os

    import sktime

    path = os.path.join(os.path.dirname(sktime.__file__), "datasets/data/mitdb/mitdb.csv")
    return pd.read_csv(path)


def test_ecg_protocol_windows_and_labels():
    table = _mitdb()
    assert len(table) == 7500
    x_train, y_train = datasets.load("ecg_mitdb", "train")
    x_test, y_test = datasets.load("ecg_mitdb", "test")
    window, stride = 256, 8
    # Train windows lie wholly in the first 5,000 samples; test windows wholly after.
    assert len(x_train) == (5000 - window) // stride + 1
    assert len(x_test) == (2500 - window) // stride + 1
    assert x_train.shape[1:] == (window, 1) and x_train.dtype == np.float32
    # Anomaly labels: none in train, some (not all) in test.
    assert y_train.sum() == 0 and 0 < y_test.sum() < len(y_test)
    # Rebuild by hand: mean-subtracted windows scaled by the training std.
    signal, labels = table["data"].to_numpy(), table["label"].to_numpy()
    first = signal[:window] - signal[:window].mean()
    ratio = first / x_train[0, :, 0]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-4)
    last = signal[5000 + (len(x_test) - 1) * stride:][:window]
    np.testing.assert_allclose((last - last.mean()) / ratio[0], x_test[-1, :, 0], atol=1e-4)
    starts = 5000 + stride * np.arange(len(x_test))
    expected = np.array([labels[s: s + window].any() for s in starts], np.int64)
    np.testing.assert_array_equal(y_test, expected)
    np.testing.assert_allclose(np.abs(x_train.mean(axis=1)).max(), 0.0, atol=1e-5)
    assert abs(x_train.std() - 1.0) < 1e-3


def test_ecg_window_options():
    x, _ = datasets.load("ecg_mitdb", "train", window=64, stride=32)
    assert x.shape == ((5000 - 64) // 32 + 1, 64, 1)
    with pytest.raises(ValueError, match="window"):
        datasets.load("ecg_mitdb", "train", window=4000)
    with pytest.raises(ValueError, match="takes no options"):
        datasets.load("digits", "train", window=8)
    with pytest.raises(ValueError, match=r"\['stride', 'window'\]"):
        datasets.load("ecg_mitdb", "train", hop=3)


def test_unknown_names_list_the_choices():
    with pytest.raises(ValueError, match="ecg_mitdb"):
        datasets.load("cifar")
    with pytest.raises(ValueError, match="split"):
        datasets.load("digits", "validation")
    assert "ecg_mitdb" in datasets.list_datasets()


@pytest.fixture(scope="module")
def images():
    return zoo.datasets.load("digits", "test")[0]


def test_gaussian_corruption_has_the_requested_std(images):
    noisy = datasets.corrupt(images, "gaussian", 0.2, seed=0)
    assert noisy.dtype == np.float32 and noisy.shape == images.shape
    assert abs(np.std(noisy - images) - 0.2) < 0.005
    np.testing.assert_array_equal(noisy, datasets.corrupt(images, "gaussian", 0.2, seed=0))
    assert not np.array_equal(noisy, datasets.corrupt(images, "gaussian", 0.2, seed=1))


def test_masking_and_salt_pepper_hit_the_requested_fraction(images):
    masked = datasets.corrupt(images, "masking", 0.3, seed=0)
    nonzero = images != 0
    assert abs(np.mean(masked[nonzero] == 0) - 0.3) < 0.02
    assert np.all((masked == images) | (masked == 0))
    salted = datasets.corrupt(images, "salt_pepper", 0.2, seed=0)
    changed = salted != images
    assert np.all(np.isin(salted[changed], [0.0, 1.0]))
    assert 0.08 < changed.mean() < 0.2  # hits that land on the same value do not count
    before = images.copy()
    datasets.corrupt(images, "masking", 0.5, seed=0)
    np.testing.assert_array_equal(images, before)  # the caller's array is untouched


@pytest.mark.parametrize("kind,level,match", [
    ("blur", 0.1, r"corruption.*\['gaussian', 'masking', 'salt_pepper'\]"),
    ("masking", 1.2, r"noise_level.*\[0.0, 1.0\]"),
    ("gaussian", -1.0, r"noise_level.*\[0.0, inf\]"),
])
def test_corruption_arguments_are_checked(kind, level, match, images):
    with pytest.raises(ValueError, match=match):
        datasets.corrupt(images, kind, level)
