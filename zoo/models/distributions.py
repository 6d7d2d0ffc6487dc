"""TFP distributions for posteriors, priors and likelihoods.

Built from plain tensors inside model methods; never layer outputs and never
inside exported graphs.
"""

import math

import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions

# Keeps posterior scales away from zero, where log-probs blow up.
MIN_SCALE = 1e-5


def diagonal_normal(loc, raw_scale):
    """Returns a diagonal Normal with event shape `loc.shape[-1:]`.

    Args:
        loc: tensor `(batch, latent_dim)`. Means.
        raw_scale: tensor like `loc`. Unconstrained scales (softplus applied).
    """
    scale = tf.nn.softplus(raw_scale) + MIN_SCALE
    return tfd.Independent(tfd.Normal(loc=loc, scale=scale), reinterpreted_batch_ndims=1)


def standard_normal(latent_dim, dtype=tf.float32):
    """Returns N(0, I) with event shape `(latent_dim,)`."""
    return tfd.Independent(
        tfd.Normal(loc=tf.zeros([latent_dim], dtype), scale=tf.ones([latent_dim], dtype)),
        reinterpreted_batch_ndims=1,
    )


def bernoulli_likelihood(logits, event_ndims):
    """Returns independent Bernoullis over the last `event_ndims` axes."""
    return tfd.Independent(
        tfd.Bernoulli(logits=logits, dtype=logits.dtype), reinterpreted_batch_ndims=event_ndims
    )


def normal_likelihood(loc, scale, event_ndims):
    """Returns independent Normals over the last `event_ndims` axes."""
    scale = tf.broadcast_to(tf.cast(scale, loc.dtype), tf.shape(loc))
    return tfd.Independent(tfd.Normal(loc=loc, scale=scale), reinterpreted_batch_ndims=event_ndims)


def gaussian_mixture(logits, locs, scales):
    """Returns a mixture of diagonal Gaussians with event shape `locs.shape[-1:]`.

    Args:
        logits: tensor `(components,)`. Mixture weights (unnormalized log).
        locs: tensor `(components, latent_dim)`. Component means.
        scales: tensor like `locs`. Positive component scales.
    """
    return tfd.MixtureSameFamily(
        mixture_distribution=tfd.Categorical(logits=logits),
        components_distribution=tfd.Independent(
            tfd.Normal(loc=locs, scale=scales), reinterpreted_batch_ndims=1
        ),
    )


def gaussian_mixture_marginals(logits, locs, scales):
    """Returns the per-dimension marginals of `gaussian_mixture`: batch shape `(latent_dim,)`.

    Each latent dimension's marginal is a 1-D mixture with the same weights.
    """
    latent_dim = locs.shape[-1]
    return tfd.MixtureSameFamily(
        mixture_distribution=tfd.Categorical(
            logits=tf.broadcast_to(logits, [latent_dim, logits.shape[0]])
        ),
        components_distribution=tfd.Normal(loc=tf.transpose(locs), scale=tf.transpose(scales)),
    )


# Fused closed forms of the log-probabilities above, for the training step: the
# same values as the TFP objects (tests/models/test_fused_losses.py) with a few
# kernels instead of TFP's broadcasting and checks, which dominate small models.

LOG_2PI = math.log(2.0 * math.pi)


def bernoulli_negative_log_likelihood(target, logits):
    """Per-example `-bernoulli_likelihood(logits).log_prob(target)`, summed over data axes."""
    per_value = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.cast(target, logits.dtype),
                                                        logits=logits)
    return tf.reduce_sum(tf.reshape(per_value, (tf.shape(per_value)[0], -1)), axis=1)


def normal_negative_log_likelihood(target, loc, scale):
    """Per-example `-normal_likelihood(loc, scale).log_prob(target)`, summed over data axes."""
    scale = tf.cast(scale, loc.dtype)
    standardized = (tf.cast(target, loc.dtype) - loc) / scale
    per_value = 0.5 * tf.square(standardized) + tf.math.log(scale) + 0.5 * LOG_2PI
    return tf.reduce_sum(tf.reshape(per_value, (tf.shape(per_value)[0], -1)), axis=1)


def kl_to_standard_normal(loc, scale):
    """KL(N(loc, scale) || N(0, 1)) per dimension, shape of `loc`."""
    return 0.5 * (tf.square(loc) + tf.square(scale) - 1.0) - tf.math.log(scale)
