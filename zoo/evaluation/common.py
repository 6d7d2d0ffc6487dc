"""Shared helpers of the metric families: input checks, batching, codes.

Example:
>>> from zoo.evaluation import common
>>> common.reconstructions(model, x_test).shape == x_test.shape
True
"""

import numpy as np

from zoo import checks, models


def paired_arrays(x, y, where, names=("x", "reconstruction")):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(
            f"{where} expects `{names[0]}` and `{names[1]}` of the same shape. "
            f"Received: {names[0]}.shape={x.shape}, {names[1]}.shape={y.shape}"
        )
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError(f"{where} expects a non-empty batch. Received: shape={x.shape}")
    return x, y


def model_input(model, x, where):
    return checks.batch_array(x, tuple(model.data_shape), where)


def batch_slices(n, batch_size):
    batch_size = checks.positive_int("batch_size", batch_size)
    return [slice(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]


def batched(function, x, batch_size):
    return np.concatenate([np.asarray(function(x[s])) for s in batch_slices(len(x), batch_size)])


def reconstructions(model, x, batch_size=256):
    """Returns `model.reconstruct(x)` as a numpy array, computed in batches.

    Args:
        model: `zoo.models.base.Autoencoder`.
        x: array `(n,) + model.data_shape`.
        batch_size: int. Examples per forward pass. Defaults to `256`.

    Returns:
        float32 array shaped like `x`.
    """
    x = model_input(model, x, "reconstructions")
    return batched(model.reconstruct_tensor, x, batch_size)


def flat(x):
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(len(x), -1)


def latent_size(model):
    """Returns the number of latent variables: the PCA baseline's number of components.

    For a continuous code, its number of values (`latent_dim` for a vector
    code). For a model with discrete `codes` (VQ-VAE), the number of code
    positions (e.g. 49 for a 7x7 grid): one latent symbol per position, not
    the width of the codebook vectors it indexes.
    """
    shape = tuple(model.latent_shape())
    if models.has_capability(model, "discrete_codes") and len(shape) > 1:
        shape = shape[:-1]
    return int(np.prod(shape))


def codes(model, x, batch_size=256):
    """Returns the deterministic latent codes `model.encode(x)`, flattened to `(n, features)`."""
    x = model_input(model, x, "codes")
    z = batched(model.encode_tensor, x, batch_size)
    return z.reshape(len(z), -1)
