"""Shared test helpers (plain functions; the fixtures live in conftest.py).

Importable from every test folder as `support` (pytest's `pythonpath = ["tests"]`).
"""

import keras
import numpy as np

import zoo

# Small networks keep the whole variant x backbone matrix quick on 2 CPU cores.
SMALL_OPTIONS = {
    "mlp": {"hidden_units": (64,)},
    "conv": {"filters": (8, 16)},
    "recurrent": {"units": 16},
}


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
