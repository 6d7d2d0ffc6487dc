"""Autoregressive priors over integer code grids: build, fit and sample (PixelCNN or Transformer).

Both networks map codes `(batch,) + positions` to logits `(batch,) +
positions + (K,)`, the logits at a position depending only on earlier
positions in raster order. Fitting maximizes the codes' log-likelihood
under `tfd.Categorical(logits=...)` with a GradientTape step; sampling
draws position by position. The model that owns the codes (a VQ-VAE)
stays frozen: these functions see only its integer codes.

Example:
>>> network = build_code_network("transformer", (7, 7), 64, width=128, layers=4)
>>> history = fit_code_network(network, codes, epochs=40)
>>> grids = sample_code_grid(network, 16, (7, 7), seed=0)
"""

import keras
import numpy as np
import tensorflow as tf

from zoo import checks
from zoo.models.distributions import tfd
from zoo.priors import CODE_PRIORS
from zoo.priors.fitting import shuffled_epochs
from zoo.priors.pixelcnn import build_code_prior
from zoo.priors.transformer import build_code_transformer

# Attention heads of the Transformer code prior.
TRANSFORMER_HEADS = 4


def build_code_network(kind, positions, num_embeddings, width, layers):
    """Returns the code prior network of `kind` (`"pixelcnn"` or `"transformer"`).

    Args:
        kind: str. One of `CODE_PRIORS`.
        positions: tuple of ints. The code grid without the code axis.
        num_embeddings: int. Codebook size K.
        width: int. PixelCNN channels, or Transformer width (a multiple of 4).
        layers: int. Masked residual layers, or Transformer blocks.
    """
    checks.choice("code_prior", kind, CODE_PRIORS)
    if kind == "pixelcnn":
        return build_code_prior(positions, num_embeddings, width, layers)
    if width % TRANSFORMER_HEADS:
        raise ValueError(f"The transformer code prior needs a width divisible by "
                         f"{TRANSFORMER_HEADS} heads. Received: prior_filters={width}")
    return build_code_transformer(positions, num_embeddings, dim=width,
                                  heads=TRANSFORMER_HEADS, layers=max(layers, 1))


def code_log_likelihood(network, codes, training=False):
    """Per-example log p(codes) in nats, shape `(batch,)`."""
    log_prob = tfd.Categorical(logits=network(codes, training=training)).log_prob(codes)
    return tf.reduce_sum(tf.reshape(log_prob, (tf.shape(codes)[0], -1)), axis=1)


def fit_code_network(network, codes, epochs=10, batch_size=64, learning_rate=1e-3, seed=0,
                     verbose=0):
    """Maximizes the log-likelihood of integer `codes` under `network`; returns per-epoch NLL.

    Adam with a cosine decay to 5% over the run; the loss is the negative
    log-likelihood summed over positions, averaged over the batch.

    Args:
        network: a network from `build_code_network`.
        codes: int array `(n,) + positions`.
        epochs: int. Passes over the codes.
        batch_size: int. Examples per step.
        learning_rate: float. Initial Adam learning rate.
        seed: int. Shuffling seed (and dropout seed).
        verbose: int. 1 prints the loss of each epoch.

    Returns:
        list of float: mean NLL per epoch, nats per example.
    """
    epochs = checks.positive_int("epochs", epochs)
    batch_size = checks.positive_int("batch_size", batch_size)
    learning_rate = checks.number_in_range("learning_rate", learning_rate, 0.0, low_open=True)
    codes = np.asarray(codes, np.int32)
    steps = epochs * -(-len(codes) // batch_size)
    optimizer = keras.optimizers.Adam(
        keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.05))
    optimizer.build(network.trainable_variables)

    @tf.function(reduce_retracing=True)
    def step(batch):
        with tf.GradientTape() as tape:
            nll = -tf.reduce_mean(code_log_likelihood(network, batch, training=True))
        gradients = tape.gradient(nll, network.trainable_variables)
        optimizer.apply_gradients(zip(gradients, network.trainable_variables, strict=True))
        return nll

    return shuffled_epochs(step, codes, epochs, batch_size, seed, verbose, label="nll")


def sample_code_grid(network, n, positions, seed=None):
    """Draws `n` code grids from `network`, position by position in raster order.

    Each position's draw uses the stateless seed `(seed, position index)`:
    the same seed gives the same grids.
    """
    n = checks.positive_int("n", n)
    seed = checks.seed("seed", seed)
    positions = tuple(int(p) for p in positions)
    codes = np.zeros((n,) + positions, np.int32)
    logits_of = tf.function(lambda c: network(c, training=False), reduce_retracing=True)
    base = 0 if seed is None else seed
    for i, index in enumerate(np.ndindex(*positions)):
        logits = logits_of(tf.constant(codes))
        at = (slice(None),) + index
        draw_seed = None if seed is None else tf.constant([base, i], tf.int32)
        codes[at] = tfd.Categorical(logits=logits[at]).sample(seed=draw_seed).numpy()
    return codes
