"""Variational autoencoder with TFP posterior, prior and likelihood."""

import keras
import tensorflow as tf

from zoo import checks
from zoo import distributions as dists
from zoo.base import Autoencoder
from zoo.registry import register_variant

LIKELIHOODS = ("bernoulli", "normal")
PRIORS = ("normal",)


@register_variant("vae")
@keras.saving.register_keras_serializable(package="aezoo")
class VAE(Autoencoder):
    """Variational autoencoder trained on the (beta-weighted) negative ELBO.

    The encoder gives a diagonal-Normal posterior q(z|x) (`posterior(x)`, a
    `tfd.Distribution` with event shape `(latent_dim,)`); the prior p(z) is
    N(0, I) (`prior`); the decoder gives a Bernoulli (logits) or Normal
    (mean, fixed unit scale) likelihood p(x|z). Samples are reparameterized
    draws from the TFP posterior; the KL term is TFP's analytic
    `tfd.kl_divergence`. Loss per example: `-E_q[log p(x|z)] + beta * KL`.

    `encode` gives the posterior mean; `decode` the likelihood's mean.

    Args:
        beta: float >= 0. Weight of the KL term (beta-VAE). Defaults to `1.0`.
            The live weight is the variable `kl_weight`, which annealing
            callbacks move.
        likelihood: str. `"bernoulli"` (data in [0, 1]) or `"normal"`.
            Defaults to `"bernoulli"`.
        prior: str. `"normal"`. Defaults to `"normal"`.
        free_bits: float >= 0. Minimum nats per latent dimension (batch
            mean) below which the KL is not penalized. Defaults to `0.0`.
        **kwargs: backbone and common options, see `zoo.build`.

    Example:
    >>> m = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv")
    >>> m.compile(optimizer="adam")
    >>> m.fit(x_train, epochs=30)
    >>> images = m.sample(16, seed=0)

    Reference:
    - Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
    - Higgins et al., "beta-VAE", ICLR 2017.
    - Kingma et al., "Improved Variational Inference with Inverse
      Autoregressive Flow" (free bits), NeurIPS 2016.
    """

    loss_names = ("loss", "reconstruction", "kl")

    def __init__(self, *args, beta=1.0, likelihood="bernoulli", prior="normal", free_bits=0.0,
                 **kwargs):
        beta = checks.number_in_range("beta", beta, 0.0)
        checks.choice("likelihood", likelihood, LIKELIHOODS)
        checks.choice("prior", prior, PRIORS)
        free_bits = checks.number_in_range("free_bits", free_bits, 0.0)
        super().__init__(*args, **kwargs)
        self.beta = beta
        self.likelihood = likelihood
        self.prior_name = prior
        self.free_bits = free_bits
        self.kl_weight = keras.Variable(beta, trainable=False, name="kl_weight", dtype="float32")

    def encoder_output_dim(self):
        return 2 * self.latent_dim

    # -------------------------------------------------- distributions

    def posterior(self, x, training=False):
        """Returns q(z|x), a diagonal Normal `tfd.Distribution`, event `(latent_dim,)`."""
        if not checks.is_symbolic(x):
            x = checks.batch_array(x, self.data_shape, "posterior")
        params = self.encoder(x, training=training)
        loc, raw_scale = tf.split(params, 2, axis=-1)
        return dists.diagonal_normal(loc, raw_scale)

    @property
    def prior(self):
        """p(z), a `tfd.Distribution` with event shape `(latent_dim,)`."""
        return dists.standard_normal(self.latent_dim)

    def likelihood_distribution(self, outputs):
        """Returns p(x|z) for the decoder's raw outputs."""
        ndims = len(self.data_shape)
        if self.likelihood == "bernoulli":
            return dists.bernoulli_likelihood(outputs, ndims)
        return dists.normal_likelihood(outputs, 1.0, ndims)

    def kl_per_dimension(self, posterior):
        """KL(q || p) per latent dimension, shape `(batch, latent_dim)`."""
        return dists.tfd.kl_divergence(posterior.distribution, self.prior.distribution)

    # ------------------------------------------------------ objective

    def loss_terms(self, x, target, training=False):
        posterior = self.posterior(x, training=training)
        z = posterior.sample()
        outputs = self.decoder(z, training=training)
        reconstruction = -tf.reduce_mean(self.likelihood_distribution(outputs).log_prob(target))
        kl_dims = tf.reduce_mean(self.kl_per_dimension(posterior), axis=0)
        kl = tf.reduce_sum(kl_dims)
        penalized = tf.reduce_sum(tf.maximum(kl_dims, self.free_bits)) if self.free_bits else kl
        loss = reconstruction + tf.cast(self.kl_weight, kl.dtype) * penalized
        return {"loss": loss, "reconstruction": reconstruction, "kl": kl}

    def negative_elbo(self, x):
        """Per-example -ELBO in nats (one posterior sample), shape `(batch,)`."""
        x = checks.batch_array(x, self.data_shape, "negative_elbo")
        posterior = self.posterior(x)
        outputs = self.decoder(posterior.sample(), training=False)
        return -self.likelihood_distribution(outputs).log_prob(x) + dists.tfd.kl_divergence(
            posterior, self.prior
        )

    # -------------------------------------------------- deterministic

    def encode_tensor(self, x):
        params = self.encoder(x, training=False)
        return params[:, : self.latent_dim]

    def reconstruction_mean(self, outputs):
        return tf.sigmoid(outputs) if self.likelihood == "bernoulli" else outputs

    def sample(self, n, seed=None):
        """Returns `n` generated examples: means of p(x|z) for z drawn from the prior.

        Args:
            n: int. Number of samples.
            seed: int or None. Same seed, same samples.
        """
        n = checks.positive_int("n", n)
        seed = None if seed is None else tf.constant([int(seed), 0], tf.int32)
        z = self.prior.sample(n, seed=seed)
        return self.decode_tensor(z)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta": self.beta,
                "likelihood": self.likelihood,
                "prior": self.prior_name,
                "free_bits": self.free_bits,
            }
        )
        return config
