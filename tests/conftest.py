"""Shared fixtures: small slices of the real embedded datasets."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402

import zoo  # noqa: E402


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(0)


@pytest.fixture(scope="session")
def mnist():
    """(x_train[:512], x_test[:256]) of mnist5k, float32 (28, 28, 1)."""
    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    return x_train[:512], x_test[:256]


@pytest.fixture(scope="session")
def digits():
    """(x_train, x_test) of scikit-learn's 8x8 digits, float32 (8, 8, 1)."""
    return zoo.datasets.load("digits", "train")[0], zoo.datasets.load("digits", "test")[0]
