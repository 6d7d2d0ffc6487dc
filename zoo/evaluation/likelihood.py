"""Likelihood metrics of variational models (DESIGN §8): -ELBO, IW-NLL, KL, active units.

TFP gives the log-probabilities; units are per-example nats. A model takes
part when it declares the `"posterior"` capability (`model.capabilities`).

Example:
>>> from zoo import evaluation
>>> evaluation.iw_nll(zoo.load("vae_conv_mnist"), binarized_test, k=100).mean()
80.9
"""

import numbers

import numpy as np

from zoo import checks, models
from zoo.evaluation.common import batch_slices, batched, model_input

ACTIVE_UNIT_THRESHOLD = 0.01


def _require_variational(model, where):
    if not is_variational(model):
        raise ValueError(f"{where} needs a variational model (the 'posterior' capability: "
                         f"`posterior`, `prior`, `likelihood_distribution`, e.g. 'vae'). "
                         f"Received: {type(model).__name__}")


def is_variational(model):
    """True when `model` declares a TFP posterior, prior and likelihood (a VAE)."""
    return models.has_capability(model, "posterior")


def _stateless_seed(seed, counter):
    import tensorflow as tf

    return tf.constant([int(seed), int(counter)], tf.int32)


def negative_elbo(model, x, batch_size=256, seed=0):
    """Returns the per-example negative ELBO in nats, shape `(n,)`.

    `-ELBO = -log p(x|z) + KL(q(z|x) || p(z))` with one reparameterized
    sample `z ~ q(z|x)` and TFP's analytic KL (a one-sample estimate at `z`
    for a mixture prior).

    Args:
        model: a VAE (`posterior`, `prior`, `likelihood_distribution`).
        x: array `(n,) + model.data_shape`.
        batch_size: int. Examples per forward pass. Defaults to `256`.
        seed: int. Same seed, same samples.
    """
    import tensorflow as tf

    _require_variational(model, "negative_elbo")
    x = model_input(model, x, "negative_elbo")
    values = []
    for i, s in enumerate(batch_slices(len(x), batch_size)):
        chunk = tf.constant(x[s])
        posterior = model.posterior(chunk)
        z = posterior.sample(seed=_stateless_seed(seed, i))
        kl = model.kl_divergence(posterior, z)
        outputs = model.decoder(z, training=False)
        log_likelihood = model.likelihood_distribution(outputs).log_prob(chunk)
        values.append((kl - log_likelihood).numpy())
    return np.concatenate(values)


def _log_importance_weights(model, chunk, k, seed, samples_per_call, counter):
    """Returns log p(x|z) + log p(z) - log q(z|x) for k samples, shape `(k, batch)`."""
    import tensorflow as tf

    posterior = model.posterior(chunk)
    weights = []
    for start in range(0, k, samples_per_call):
        n = min(samples_per_call, k - start)
        z = posterior.sample(n, seed=_stateless_seed(seed, counter + start))  # (n, b, d)
        flat_z = tf.reshape(z, (-1,) + tuple(model.latent_shape()))
        outputs = model.decoder(flat_z, training=False)
        outputs = tf.reshape(outputs, (n, -1) + tuple(outputs.shape[1:]))
        log_likelihood = model.likelihood_distribution(outputs).log_prob(chunk)
        weights.append(log_likelihood + model.prior.log_prob(z) - posterior.log_prob(z))
    return tf.concat(weights, axis=0)


def iw_nll(model, x, k=100, batch_size=4096, seed=0):
    """Returns the importance-weighted negative log-likelihood in nats, shape `(n,)`.

    `-log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x)`, `z_i ~ q(z|x)`, a
    log-mean-exp over k samples of TFP log-probabilities. An upper bound on
    -log p(x) that tightens as k grows; k = 1 is the one-sample -ELBO.

    Args:
        model: a VAE (`posterior`, `prior`, `likelihood_distribution`, `decoder`).
        x: array `(n,) + model.data_shape`.
        k: int >= 1. Importance samples per example. Defaults to `100`.
        batch_size: int. Most decoder evaluations (examples x samples) in one
            call, which bounds memory. Defaults to `4096`.
        seed: int. Same seed, same samples.

    Returns:
        float64 array `(n,)`.

    Reference:
    - Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016.
    """
    import tensorflow as tf

    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"`k` must be an integer >= 1 (importance samples). Received: k={k!r}")
    batch_size = checks.positive_int("batch_size", batch_size)
    _require_variational(model, "iw_nll")
    x = model_input(model, x, "iw_nll")
    examples_per_chunk = max(1, batch_size // k)
    samples_per_call = max(1, min(k, batch_size // examples_per_chunk))
    values = []
    for i, s in enumerate(batch_slices(len(x), examples_per_chunk)):
        chunk = tf.constant(x[s])
        log_weights = _log_importance_weights(model, chunk, k, seed, samples_per_call, i * k)
        log_mean = tf.reduce_logsumexp(tf.cast(log_weights, tf.float64), axis=0) - np.log(k)
        values.append(-log_mean.numpy())
    return np.concatenate(values)


def posterior_means(model, x, batch_size=256):
    """Returns E_q[z|x] for each example, shape `(n, latent_dim)`."""
    _require_variational(model, "posterior_means")
    x = model_input(model, x, "posterior_means")
    return batched(lambda chunk: model.posterior(chunk).mean(), x, batch_size)


def kl_per_dimension(model, x, batch_size=256):
    """Returns KL(q(z|x) || p(z)) per latent dimension, averaged over `x`, shape `(latent_dim,)`."""
    _require_variational(model, "kl_per_dimension")
    x = model_input(model, x, "kl_per_dimension")
    per_example = batched(lambda c: model.kl_per_dimension(model.posterior(c)), x, batch_size)
    return per_example.mean(axis=0)


def active_unit_mask(model, x, threshold=ACTIVE_UNIT_THRESHOLD, batch_size=256):
    """Returns which latent units are active: Cov_x(E_q[z|x]) > threshold, shape `(latent_dim,)`.

    Reference:
    - Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016.
    """
    threshold = checks.number_in_range("threshold", threshold, 0.0)
    means = posterior_means(model, x, batch_size)
    return np.var(means, axis=0) > threshold


def active_units(model, x, threshold=ACTIVE_UNIT_THRESHOLD, batch_size=256):
    """Returns the number of active latent units (see `active_unit_mask`)."""
    return int(active_unit_mask(model, x, threshold, batch_size).sum())
