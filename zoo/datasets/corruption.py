"""Corruption for denoising and the one binarization: seeded, numpy in and out."""

import numpy as np

from zoo import checks


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


PREPROCESSING = ("none", "binarize")


def preprocessed(x, preprocessing):
    """Returns `x` after a recipe's preprocessing: `"none"` or `"binarize"`."""
    if preprocessing in (None, "none"):
        return x
    checks.choice("preprocessing", preprocessing, PREPROCESSING)
    return binarize(x)
