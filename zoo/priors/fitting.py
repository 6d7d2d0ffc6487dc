"""The epoch loop every learned prior is fitted with: seeded shuffles, one step per batch.

Priors train apart from their frozen autoencoder (diffusers' split), so they
run their own small loop rather than `fit`: the step is a compiled function,
the data a numpy array.
"""

import numpy as np
import tensorflow as tf


def shuffled_epochs(step, data, epochs, batch_size, seed=None, verbose=0, label="loss"):
    """Runs `step(batch)` over seeded shuffles of `data`; returns the mean loss per epoch.

    Args:
        step: callable. One training step on a `tf.Tensor` batch, returning its loss.
        data: array `(n, ...)`.
        epochs: int. Passes over `data`.
        batch_size: int. Examples per step.
        seed: int or None. Shuffling seed.
        verbose: int. 1 prints each epoch's mean loss.
        label: str. The loss's name in that line.

    Returns:
        list of float, one per epoch.
    """
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(data))
        losses = [float(step(tf.constant(data[order[i: i + batch_size]])))
                  for i in range(0, len(data), batch_size)]
        history.append(float(np.mean(losses)))
        if verbose:
            print(f"prior epoch {epoch + 1}/{epochs}: {label} {history[-1]:.4g}", flush=True)
    return history
