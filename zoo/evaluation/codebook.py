"""Codebook metrics of models with discrete codes (VQ-VAE): perplexity, usage, bits.

Example:
>>> from zoo import evaluation
>>> evaluation.codebook_perplexity(model.codes(x_test), model.num_embeddings)
22.8
"""

import numpy as np

from zoo import checks


def _integer_codes(codes_array, num_embeddings):
    values = np.asarray(codes_array)
    if values.size == 0 or values.dtype.kind not in "iu":
        raise ValueError("Expected a non-empty integer array of codebook indices. Received: "
                         f"dtype={values.dtype}, size={values.size}")
    values = values.ravel()
    if num_embeddings is not None:
        num_embeddings = checks.positive_int("num_embeddings", num_embeddings)
        if values.min() < 0 or values.max() >= num_embeddings:
            raise ValueError(f"Codes must lie in [0, {num_embeddings}). Received: "
                             f"[{values.min()}, {values.max()}]")
    elif values.min() < 0:
        raise ValueError(f"Codes must be non-negative. Received: min={values.min()}")
    return values


def codebook_perplexity(codes_array, num_embeddings=None):
    """Returns exp(entropy) of the code histogram: the effective number of codes used.

    Args:
        codes_array: int array of codebook indices, any shape.
        num_embeddings: int or None. Codebook size, for a range check.

    Returns:
        float in [1, num_embeddings].

    Reference:
    - van den Oord et al., "Neural Discrete Representation Learning", NeurIPS 2017.
    """
    values = _integer_codes(codes_array, num_embeddings)
    counts = np.bincount(values)
    p = counts[counts > 0] / values.size
    return float(np.exp(-np.sum(p * np.log(p))))


def codebook_usage(codes_array, num_embeddings):
    """Returns the fraction of the `num_embeddings` codes that occur at least once."""
    values = _integer_codes(codes_array, num_embeddings)
    return float(len(np.unique(values)) / num_embeddings)


def bits_per_image(codes_per_image, num_embeddings):
    """Returns the bits to store one image's codes at a fixed width: `codes * log2(K)`."""
    codes_per_image = checks.positive_int("codes_per_image", codes_per_image)
    num_embeddings = checks.positive_int("num_embeddings", num_embeddings)
    return float(codes_per_image * np.log2(num_embeddings))
