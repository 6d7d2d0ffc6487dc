"""Reconstruction metrics and the PCA baseline (DESIGN §8): squared error, PSNR, BCE.

Units: squared errors are per example (summed over the data dimensions) or
per pixel (mean).

Example:
>>> from zoo import evaluation
>>> evaluation.mean_squared_error(x_test, evaluation.reconstructions(model, x_test))
0.0123
"""

import numpy as np

from zoo import checks
from zoo.evaluation.common import batched, flat, model_input, paired_arrays

# Exact (eigendecomposition of the covariance), fast when examples outnumber features;
# the default randomized solver differs from the exact baseline in the 5th digit.
_PCA_SOLVER = "covariance_eigh"


def squared_error_per_example(x, reconstruction):
    """Returns the sum of squared errors of each example, shape `(n,)`."""
    x, y = paired_arrays(x, reconstruction, "squared_error_per_example")
    return np.square(x - y).reshape(len(x), -1).sum(axis=1)


def mean_squared_error(x, reconstruction):
    """Returns the mean squared error per pixel (per value) over the whole batch."""
    x, y = paired_arrays(x, reconstruction, "mean_squared_error")
    return float(np.mean(np.square(x - y)))


def psnr(x, reconstruction, data_range=1.0):
    """Returns the peak signal-to-noise ratio in dB, `10 log10(range^2 / MSE)`.

    The MSE is the mean per-pixel squared error over the whole batch.

    Args:
        x: array. Reference (clean) data.
        reconstruction: array of the same shape.
        data_range: float > 0. Peak-to-peak range of the data. Defaults to
            `1.0` (images in [0, 1]).

    Returns:
        float; `inf` when the two arrays are equal.
    """
    data_range = checks.number_in_range("data_range", data_range, 0.0, low_open=True)
    mse = mean_squared_error(x, reconstruction)
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def binary_cross_entropy_per_example(x, probabilities, epsilon=1e-7):
    """Returns the Bernoulli negative log-likelihood of binary `x` in nats, shape `(n,)`.

    Args:
        x: array of 0s and 1s (binarize first: `zoo.datasets.binarize`).
        probabilities: array of the same shape, predicted P(x = 1).
        epsilon: float. Clip of the probabilities away from 0 and 1.
    """
    x, p = paired_arrays(x, probabilities, "binary_cross_entropy_per_example",
                          ("x", "probabilities"))
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("binary_cross_entropy_per_example expects binary `x` (0 or 1). "
                         f"Received: values in [{x.min():.3g}, {x.max():.3g}]; binarize first")
    p = np.clip(p, epsilon, 1.0 - epsilon)
    nll = -(x * np.log(p) + (1.0 - x) * np.log1p(-p))
    return nll.reshape(len(x), -1).sum(axis=1)


def denoising_psnr_gain(clean, noisy, denoised, data_range=1.0):
    """Returns the PSNR gain in dB of `denoised` over `noisy`, both against `clean`.

    Returns:
        dict with `noisy_psnr`, `denoised_psnr` and `psnr_gain` (their difference).
    """
    noisy_psnr = psnr(clean, noisy, data_range)
    denoised_psnr = psnr(clean, denoised, data_range)
    return {"noisy_psnr": noisy_psnr, "denoised_psnr": denoised_psnr,
            "psnr_gain": denoised_psnr - noisy_psnr}





def pca_reconstructions(x_train, x_test, latent_dim, seed=0):
    """Returns `x_test` projected onto the top `latent_dim` principal components of `x_train`.

    The baseline of every table (DESIGN §8): a linear autoencoder's optimum.

    Args:
        x_train: array `(n_train, ...)`. Fits the components.
        x_test: array `(n_test, ...)` of the same example shape.
        latent_dim: int. Number of components, at most the number of features.
        seed: int. Seed of the SVD solver.

    Returns:
        float32 array shaped like `x_test`.
    """
    from sklearn.decomposition import PCA

    latent_dim = checks.positive_int("latent_dim", latent_dim)
    train, test = flat(x_train), flat(x_test)
    if train.shape[1:] != test.shape[1:]:
        raise ValueError("pca_reconstructions expects train and test examples of one shape. "
                         f"Received: {np.shape(x_train)[1:]} and {np.shape(x_test)[1:]}")
    limit = min(train.shape)
    if latent_dim > limit:
        raise ValueError(f"`latent_dim` must be at most min(n_train, features) = {limit}. "
                         f"Received: latent_dim={latent_dim}")
    pca = PCA(latent_dim, svd_solver=_PCA_SOLVER, random_state=seed).fit(train)
    projected = pca.inverse_transform(pca.transform(test))
    return projected.reshape(np.shape(x_test)).astype(np.float32)


def pca_mean_squared_error(x_train, x_test, latent_dim, seed=0):
    """Returns the per-pixel test MSE of the PCA baseline with `latent_dim` components."""
    return mean_squared_error(x_test, pca_reconstructions(x_train, x_test, latent_dim, seed))


def pca_codes(x_train, x, latent_dim, seed=0):
    """Returns the `latent_dim` principal-component coordinates of `x` (fit on `x_train`)."""
    from sklearn.decomposition import PCA

    pca = PCA(checks.positive_int("latent_dim", latent_dim), svd_solver=_PCA_SOLVER,
              random_state=seed)
    return pca.fit(flat(x_train)).transform(flat(x)).astype(np.float32)


def denoising_psnr(model, x, batch_size=256):
    """Returns the PSNR gain of a denoising model on `x` corrupted by its own noise.

    The metric family a denoising autoencoder carries: `x` is corrupted with
    the model's `corruption` and `noise_level` (seed 0), then reconstructed.

    Returns:
        dict of `denoising_psnr_gain`.
    """
    from zoo import datasets

    x = model_input(model, x, "denoising_psnr")
    noisy = datasets.corrupt(x, model.corruption, model.noise_level, seed=0)
    denoised = batched(model.reconstruct_tensor, noisy, batch_size)
    return denoising_psnr_gain(x, noisy, denoised)
