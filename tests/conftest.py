"""Shared fixtures: small slices of the real embedded datasets."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import zoo  # noqa: E402

# Small networks keep the whole variant x backbone matrix quick on 2 CPU cores.
SMALL_OPTIONS = {
    "mlp": {"hidden_units": (64,)},
    "conv": {"filters": (8, 16)},
    "recurrent": {"units": 16},
}


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


def contract_data(backbone, mnist):
    """Real data shaped for a backbone: images, or image rows as sequences."""
    x_train, x_test = mnist
    if backbone == "recurrent":
        # Image rows as 28 timesteps; half the examples keep the LSTM cells quick.
        return x_train[:256, ..., 0], x_test[..., 0]
    return x_train, x_test


def small_model(variant, backbone, input_shape, latent_dim=8, **options):
    """Builds a registered model with small layers for fast tests."""
    return zoo.build(variant, input_shape=input_shape, latent_dim=latent_dim,
                     backbone=backbone, **{**SMALL_OPTIONS.get(backbone, {}), **options})


def as_numpy(values):
    return np.asarray(values)


def trained(model, x, epochs, batch_size=64, learning_rate=2e-3, **fit_options):
    """Compiles and fits `model` on `x`; returns `(model, history dict)`."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    history = model.fit(x, epochs=epochs, batch_size=batch_size, verbose=0, **fit_options)
    return model, history.history


def hoyer_sparsity(codes):
    """Mean Hoyer sparsity of code vectors: 0 for a flat vector, 1 for one nonzero unit."""
    h = np.abs(np.asarray(codes).reshape(len(codes), -1))
    n = h.shape[1]
    ratio = h.sum(axis=1) / (np.sqrt((h**2).sum(axis=1)) + 1e-12)
    return float(np.mean((np.sqrt(n) - ratio) / (np.sqrt(n) - 1)))


def psnr(clean, estimate, peak=1.0):
    """Peak signal-to-noise ratio in dB over a whole array."""
    mse = np.mean((np.asarray(clean) - np.asarray(estimate)) ** 2)
    return float(10 * np.log10(peak**2 / mse))
