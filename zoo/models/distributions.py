"""TFP distributions for posteriors, priors and likelihoods.

Built from plain tensors inside model methods; never layer outputs and never
inside exported graphs.
"""

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
