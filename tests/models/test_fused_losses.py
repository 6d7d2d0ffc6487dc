"""The VAE's fused training loss equals the TFP distributions it stands for.

The train step computes the Bernoulli / Normal negative log-likelihood and
the KL to N(0, I) in closed form (a few kernels); the public API keeps the
TFP objects (`posterior`, `prior`, `likelihood_distribution`). Same values.
"""

import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.models import distributions as dists


@pytest.mark.parametrize("likelihood,scale", [("bernoulli", 1.0), ("normal", 0.3),
                                              ("normal", "learned")])
def test_fused_negative_log_likelihood_matches_tfp(mnist, likelihood, scale):
    model = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=3, hidden_units=(16,),
                      likelihood=likelihood, likelihood_scale=scale)
    if scale == "learned":
        model.likelihood_log_scale.assign(-0.7)
    x = tf.constant(zoo.datasets.binarize(mnist[1][:16]) if likelihood == "bernoulli"
                    else mnist[1][:16])
    outputs = model.decoder(tf.random.normal((16, 3)))
    fused = model._negative_log_likelihood(x, outputs).numpy()
    reference = -model.likelihood_distribution(outputs).log_prob(x).numpy()
    np.testing.assert_allclose(fused, reference, rtol=1e-5)


def test_fused_kl_matches_tfp_kl_divergence(mnist):
    model = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=5, hidden_units=(16,))
    posterior = model.posterior(mnist[1][:16])
    reference = model.kl_per_dimension(posterior).numpy()
    fused = dists.kl_to_standard_normal(posterior.distribution.loc,
                                        posterior.distribution.scale).numpy()
    np.testing.assert_allclose(fused, reference, rtol=1e-5, atol=1e-6)


def test_training_loss_is_the_tfp_negative_elbo_in_expectation(mnist):
    """Mean training loss over many posterior samples = TFP's mean -ELBO (no annealing)."""
    model = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=4, hidden_units=(32,))
    x = zoo.datasets.binarize(mnist[1][:32])
    batch = tf.constant(x)
    fused = np.mean([float(model.loss_terms(batch, batch)["loss"]) for _ in range(200)])
    reference = np.mean([model.negative_elbo(x).numpy().mean() for _ in range(200)])
    assert fused == pytest.approx(reference, rel=2e-3)
