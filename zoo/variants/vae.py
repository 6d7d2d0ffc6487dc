"""Variational autoencoder with TFP posterior, prior and likelihood."""

import math
import numbers

import keras
import tensorflow as tf

from zoo import checks
from zoo.models import distributions as dists
from zoo.models import schedules
from zoo.models.base import Autoencoder
from zoo.models.registry import register_variant

LIKELIHOODS = ("bernoulli", "normal")
PRIORS = ("mixture", "normal")
# softplus(_UNIT_SCALE) = 1: mixture components start with unit scale.
_UNIT_SCALE = math.log(math.e - 1.0)


def _check_likelihood_scale(value):
    if value == "learned":
        return value
    if isinstance(value, str) or isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            "`likelihood_scale` must be a positive number (fixed scale) or 'learned'. "
            f"Received: likelihood_scale={value!r}"
        )
    return checks.number_in_range("likelihood_scale", value, 0.0, low_open=True)


@register_variant("vae")
@keras.saving.register_keras_serializable(package="aezoo")
class VAE(Autoencoder):
    """Variational autoencoder trained on the (beta-weighted) negative ELBO.

    The encoder gives a diagonal-Normal posterior q(z|x) (`posterior(x)`, a
    `tfd.Distribution` with event shape `(latent_dim,)`). The prior p(z)
    (`prior`) is N(0, I), or a learnable mixture of diagonal Gaussians
    (`prior="mixture"`, a `tfd.MixtureSameFamily` whose weights, means and
    scales are trainable Keras weights). The decoder gives a Bernoulli
    (logits) or Normal (mean; fixed or learned scale) likelihood p(x|z).
    Samples are reparameterized draws from the TFP posterior. The KL term is
    TFP's analytic `tfd.kl_divergence` for the Normal prior and a one-sample
    Monte Carlo estimate `log q(z|x) - log p(z)` for the mixture (no closed
    form). Loss per example: `-E_q[log p(x|z)] + kl_weight * KL`.

    `encode` gives the posterior mean; `decode` the likelihood's mean.
    Diagnostics: `zoo.evaluation.kl_per_dimension(m, x)` and
    `zoo.evaluation.active_units(m, x)`; see also `zoo.callbacks.ActiveUnits`.

    Args:
        beta: float >= 0. Weight of the KL term (beta-VAE). Defaults to `1.0`.
            The live weight is the non-trainable variable `kl_weight`, which
            starts at `beta` and which `zoo.callbacks.KLAnnealing` moves.
        likelihood: str. `"bernoulli"` (data in [0, 1]) or `"normal"`.
            Defaults to `"bernoulli"`.
        likelihood_scale: float > 0 or `"learned"`. Scale of the Normal
            likelihood: fixed, or one trainable scalar. Ignored for
            Bernoulli. Defaults to `1.0`.
        prior: str. `"normal"` or `"mixture"`. Defaults to `"normal"`.
        mixture_components: int. Components of the mixture prior.
            Defaults to `10`.
        free_bits: float >= 0. Minimum nats per latent dimension (batch
            mean) below which the KL is not penalized; with the mixture prior
            it applies to the total KL (`latent_dim * free_bits`). The live
            value is the variable `free_bits_threshold`, which
            `zoo.callbacks.FreeBits` moves. Defaults to `0.0`.
        **kwargs: backbone and common options, see `zoo.build`.

    Example:
    >>> m = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv",
    ...               prior="mixture", beta=1.0)
    >>> m.compile(optimizer="adam")
    >>> m.fit(x_train, epochs=30, callbacks=[zoo.callbacks.KLAnnealing(warmup_steps=1000)])
    >>> zoo.evaluation.active_units(m, x_test)
    >>> images = m.sample(16, seed=0)

    Reference:
    - Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
    - Higgins et al., "beta-VAE", ICLR 2017.
    - Kingma et al., "Improved Variational Inference with Inverse
      Autoregressive Flow" (free bits), NeurIPS 2016.
    - Tomczak & Welling, "VAE with a VampPrior" (learned mixture priors), AISTATS 2018.
    - Burda et al., "Importance Weighted Autoencoders" (active units), ICLR 2016.
    """

    loss_names = ("loss", "reconstruction", "kl")
    capabilities = frozenset({"posterior", "samples"})

    def __init__(self, *args, beta=1.0, likelihood="bernoulli", prior="normal", free_bits=0.0,
                 likelihood_scale=1.0, mixture_components=10, **kwargs):
        beta = checks.number_in_range("beta", beta, 0.0)
        checks.choice("likelihood", likelihood, LIKELIHOODS)
        checks.choice("prior", prior, PRIORS)
        free_bits = checks.number_in_range("free_bits", free_bits, 0.0)
        likelihood_scale = _check_likelihood_scale(likelihood_scale)
        mixture_components = checks.positive_int("mixture_components", mixture_components)
        super().__init__(*args, **kwargs)
        self.beta = beta
        self.likelihood = likelihood
        self.likelihood_scale = likelihood_scale
        self.prior_name = prior
        self.mixture_components = mixture_components
        self.free_bits = free_bits
        self.kl_weight = keras.Variable(beta, trainable=False, name="kl_weight", dtype="float32")
        self.free_bits_threshold = keras.Variable(
            free_bits, trainable=False, name="free_bits_threshold", dtype="float32"
        )
        # KL annealing and free bits as functions of the optimizer step (set by callbacks).
        self.schedules = schedules.StepSchedules()
        if likelihood == "normal" and likelihood_scale == "learned":
            self.likelihood_log_scale = self.add_weight(
                shape=(), name="likelihood_log_scale", initializer="zeros"
            )
        if prior == "mixture":
            self.prior_logits = self.add_weight(
                shape=(mixture_components,), name="prior_logits", initializer="zeros"
            )
            self.prior_locs = self.add_weight(
                shape=(mixture_components, self.latent_dim), name="prior_locs",
                initializer=keras.initializers.RandomNormal(stddev=1.0),
            )
            self.prior_raw_scales = self.add_weight(
                shape=(mixture_components, self.latent_dim), name="prior_raw_scales",
                initializer=keras.initializers.Constant(_UNIT_SCALE),
            )

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

    def _mixture_parameters(self):
        scales = tf.nn.softplus(self.prior_raw_scales) + dists.MIN_SCALE
        logits = tf.convert_to_tensor(self.prior_logits)
        locs = tf.convert_to_tensor(self.prior_locs)
        return logits, locs, scales

    @property
    def prior(self):
        """p(z), a `tfd.Distribution` with event shape `(latent_dim,)`."""
        if self.prior_name == "mixture":
            return dists.gaussian_mixture(*self._mixture_parameters())
        return dists.standard_normal(self.latent_dim)

    def likelihood_distribution(self, outputs):
        """Returns p(x|z) for the decoder's raw outputs."""
        ndims = len(self.data_shape)
        if self.likelihood == "bernoulli":
            return dists.bernoulli_likelihood(outputs, ndims)
        if self.likelihood_scale == "learned":
            scale = tf.exp(self.likelihood_log_scale)
        else:
            scale = self.likelihood_scale
        return dists.normal_likelihood(outputs, scale, ndims)

    def kl_per_dimension(self, posterior, z=None):
        """KL(q || p) per latent dimension, shape `(batch, latent_dim)`.

        Analytic for the Normal prior. For the mixture prior, a Monte Carlo
        estimate against each dimension's marginal mixture, at `z` (a
        posterior sample when None); these per-dimension values need not sum
        to the joint KL.
        """
        if self.prior_name == "normal":
            return dists.tfd.kl_divergence(posterior.distribution, self.prior.distribution)
        z = posterior.sample() if z is None else z
        marginals = dists.gaussian_mixture_marginals(*self._mixture_parameters())
        return posterior.distribution.log_prob(z) - marginals.log_prob(z)

    def kl_divergence(self, posterior, z):
        """KL(q(z|x) || p(z)) per example, shape `(batch,)`: analytic or one-sample MC at `z`."""
        if self.prior_name == "normal":
            return dists.tfd.kl_divergence(posterior, self.prior)
        return posterior.log_prob(z) - self.prior.log_prob(z)

    # ------------------------------------------------------ objective

    def _negative_log_likelihood(self, target, outputs):
        # Fused closed forms of `-likelihood_distribution(outputs).log_prob(target)`.
        if self.likelihood == "bernoulli":
            return dists.bernoulli_negative_log_likelihood(target, outputs)
        scale = (tf.exp(self.likelihood_log_scale) if self.likelihood_scale == "learned"
                 else self.likelihood_scale)
        return dists.normal_negative_log_likelihood(target, outputs, scale)

    def loss_terms(self, x, target, training=False):
        step = schedules.training_step(self)
        threshold = self.schedules.free_bits_threshold(step, self.free_bits_threshold)
        kl_weight = self.schedules.kl_weight(step, self.beta, self.kl_weight)
        if self.prior_name == "normal":
            # The TFP posterior's reparameterized sample and analytic KL, fused.
            loc, raw_scale = tf.split(self.encoder(x, training=training), 2, axis=-1)
            scale = tf.nn.softplus(raw_scale) + dists.MIN_SCALE
            z = loc + scale * tf.random.normal(tf.shape(loc), dtype=loc.dtype)
            outputs = self.decoder(z, training=training)
            reconstruction = tf.reduce_mean(self._negative_log_likelihood(target, outputs))
            kl_dims = tf.reduce_mean(dists.kl_to_standard_normal(loc, scale), axis=0)
            kl = tf.reduce_sum(kl_dims)
            # max(KL_d, 0) = KL_d: with the threshold at 0 this is the plain KL.
            penalized = tf.reduce_sum(tf.maximum(kl_dims, threshold))
        else:
            posterior = self.posterior(x, training=training)
            z = posterior.sample()
            outputs = self.decoder(z, training=training)
            reconstruction = tf.reduce_mean(self._negative_log_likelihood(target, outputs))
            kl = tf.reduce_mean(self.kl_divergence(posterior, z))
            penalized = tf.maximum(kl, threshold * self.latent_dim)
        loss = reconstruction + tf.cast(kl_weight, kl.dtype) * penalized
        # The schedules' values of this step, for inspection (not tracked in `fit` logs).
        return {"loss": loss, "reconstruction": reconstruction, "kl": kl, "kl_weight": kl_weight,
                "free_bits_threshold": threshold}

    def negative_elbo(self, x):
        """Per-example -ELBO in nats (one posterior sample), shape `(batch,)`."""
        x = checks.batch_array(x, self.data_shape, "negative_elbo")
        posterior = self.posterior(x)
        z = posterior.sample()
        outputs = self.decoder(z, training=False)
        return -self.likelihood_distribution(outputs).log_prob(x) + self.kl_divergence(posterior, z)

    # ---------------------------------------------------- diagnostics

    # -------------------------------------------------- deterministic

    def encode_tensor(self, x):
        params = self.encoder(x, training=False)
        return params[:, : self.latent_dim]

    def reconstruction_mean(self, outputs):
        return tf.sigmoid(outputs) if self.likelihood == "bernoulli" else outputs

    @property
    def prior_kind(self):
        """What `sample` draws through: `"diffusion"` once fitted, else `prior` (`"normal"`...)."""
        return "diffusion" if self.latent_prior is not None else self.prior_name

    def sample(self, n, seed=None, steps=50, eta=0.0):
        """Returns `n` generated examples: means of p(x|z) for z drawn from the prior.

        With a latent diffusion prior (`fit_prior(x, kind="diffusion")`), z
        comes from it instead of `prior` (see `Autoencoder.sample`).

        Args:
            n: int. Number of samples.
            seed: int or None. Same seed, same samples.
            steps: int. Denoising steps of a diffusion prior. Defaults to `50`.
            eta: float in [0, 1]. DDIM stochasticity of a diffusion prior.
        """
        if self.latent_prior is not None:
            return super().sample(n, seed=seed, steps=steps, eta=eta)
        n = checks.positive_int("n", n)
        seed = checks.seed("seed", seed)
        seed = None if seed is None else tf.constant([seed, 0], tf.int32)
        z = self.prior.sample(n, seed=seed)
        return self.decode_tensor(z)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta": self.beta,
                "likelihood": self.likelihood,
                "likelihood_scale": self.likelihood_scale,
                "prior": self.prior_name,
                "mixture_components": self.mixture_components,
                "free_bits": self.free_bits,
            }
        )
        return config
