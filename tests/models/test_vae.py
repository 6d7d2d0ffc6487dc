"""vae: TFP posterior and KL, active units, annealing, free bits, mixture prior, likelihoods."""

import os

import keras
import numpy as np
import pytest
from support import small_model, trained

import zoo
from zoo import evaluation
from zoo.models.distributions import tfd

LATENT = 8


@pytest.fixture(scope="module")
def trained_vae(mnist):
    x_train, _ = mnist
    keras.utils.set_random_seed(0)
    model, history = trained(small_model("vae", "mlp", x_train.shape[1:], LATENT), x_train,
                             epochs=10)
    return model, history


def test_posterior_is_a_tfd_distribution_with_latent_event(trained_vae, mnist):
    model, _ = trained_vae
    posterior = model.posterior(mnist[1][:5])
    assert isinstance(posterior, tfd.Distribution)
    assert tuple(posterior.event_shape) == (LATENT,)
    assert tuple(posterior.batch_shape) == (5,)
    np.testing.assert_allclose(np.asarray(posterior.mean()), np.asarray(model.encode(mnist[1][:5])))
    assert isinstance(model.prior, tfd.Distribution)
    assert tuple(model.prior.event_shape) == (LATENT,)


def test_kl_term_equals_the_normal_closed_form(trained_vae, mnist):
    model, _ = trained_vae
    x = mnist[1][:32]
    params = np.asarray(model.encoder(x)).astype(np.float64)
    mu, raw = params[:, :LATENT], params[:, LATENT:]
    sigma = np.log1p(np.exp(raw)) + 1e-5  # softplus + MIN_SCALE, as the model defines it
    by_hand = 0.5 * np.sum(mu**2 + sigma**2 - 1.0 - 2.0 * np.log(sigma), axis=1)
    terms = model.loss_terms(x, x, training=False)
    np.testing.assert_allclose(float(terms["kl"]), by_hand.mean(), rtol=1e-4)
    per_dim = np.asarray(model.kl_per_dimension(model.posterior(x)))
    np.testing.assert_allclose(per_dim.sum(axis=1), by_hand, rtol=1e-4)


def test_several_units_active_and_kl_positive(trained_vae, mnist):
    model, history = trained_vae
    x_test = mnist[1]
    active = evaluation.active_units(model, x_test)
    kl_dims = evaluation.kl_per_dimension(model, x_test)
    print(f"active units {active}/{LATENT}, KL per dim {np.round(kl_dims, 2)}")
    assert active >= 3
    assert kl_dims.shape == (LATENT,) and kl_dims.sum() > 1.0 and history["kl"][-1] > 0
    # Active units are the ones carrying KL: an inactive unit's posterior is the prior.
    activity = np.var(evaluation.posterior_means(model, x_test), axis=0)
    assert kl_dims[activity > 0.01].min() > kl_dims[activity <= 0.01].max(initial=0.0)


def test_active_units_callback_logs_every_epoch(mnist):
    x_train, x_test = mnist
    model = small_model("vae", "mlp", x_train.shape[1:], LATENT)
    callback = zoo.callbacks.ActiveUnits(x_test[:128])
    _, history = trained(model, x_train, epochs=2, callbacks=[callback])
    assert len(history["active_units"]) == 2
    assert history["active_units"][-1] == evaluation.active_units(model, x_test[:128])
    assert len(history["kl_dim_0"]) == 2


def test_linear_annealing_moves_kl_weight_as_scheduled(mnist):
    x_train, _ = mnist
    model = small_model("vae", "mlp", x_train.shape[1:], LATENT, beta=2.0)
    steps_per_epoch = len(x_train) // 64
    annealing = zoo.callbacks.KLAnnealing("linear", warmup_steps=2 * steps_per_epoch)
    _, history = trained(model, x_train, epochs=3, callbacks=[annealing])
    # Weight set before the last batch of each epoch: step k -> beta * k / warmup.
    expected = [2.0 * min((e + 1) * steps_per_epoch - 1, 2 * steps_per_epoch)
                / (2 * steps_per_epoch) for e in range(3)]
    np.testing.assert_allclose(history["kl_weight"], expected, rtol=1e-6)
    assert history["kl_weight"][0] < history["kl_weight"][1] < history["kl_weight"][2] == 2.0


def test_cyclical_annealing_restarts_each_cycle():
    schedule = zoo.callbacks.KLAnnealing("cyclical", cycle_steps=10, ramp_fraction=0.5)
    weights = [schedule.fraction(step) for step in range(25)]
    assert weights[0] == 0.0 and weights[5] == 1.0 and weights[9] == 1.0
    assert weights[10] == 0.0 and weights[12] == pytest.approx(0.4) and weights[20] == 0.0


def test_free_bits_callback_lifts_small_kls(mnist):
    x_train, x_test = mnist
    model = small_model("vae", "mlp", x_train.shape[1:], LATENT)
    model.compile(optimizer="adam")
    x = x_test[:64]
    model.free_bits_threshold.assign(0.0)
    plain = float(model.loss_terms(x, x)["loss"] - model.loss_terms(x, x)["reconstruction"])
    free_bits = zoo.callbacks.FreeBits(5.0, until_epoch=1)
    model.fit(x_train[:128], epochs=1, verbose=0, callbacks=[free_bits])
    assert float(model.free_bits_threshold.numpy()) == 5.0
    terms = model.loss_terms(x, x)
    # Every dimension's KL is below 5 nats here, so the penalty is exactly 5 * latent_dim.
    np.testing.assert_allclose(float(terms["loss"] - terms["reconstruction"]), 5.0 * LATENT,
                               rtol=1e-5)
    assert plain < 5.0 * LATENT


def test_mixture_prior_trains_and_round_trips(mnist, tmp_path):
    x_train, x_test = mnist
    model = small_model("vae", "mlp", x_train.shape[1:], LATENT, prior="mixture",
                        mixture_components=5)
    assert isinstance(model.prior, tfd.MixtureSameFamily)
    locs_before = np.array(model.prior_locs.numpy())
    _, history = trained(model, x_train, epochs=6)
    assert history["loss"][-1] < history["loss"][0] - 20
    assert history["kl"][-1] > 0
    assert not np.allclose(model.prior_locs.numpy(), locs_before)  # the prior learned
    assert evaluation.active_units(model, x_test) >= 3
    samples = np.asarray(model.sample(4, seed=0))
    assert samples.shape == (4, 28, 28, 1) and np.isfinite(samples).all()
    path = os.path.join(tmp_path, "mixture.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.prior_locs.numpy(), model.prior_locs.numpy())
    z = np.asarray(model.encode(x_test[:8]))
    np.testing.assert_allclose(loaded.prior.log_prob(z), model.prior.log_prob(z), rtol=1e-5)


def test_learned_normal_scale_beats_fixed_unit_scale(mnist):
    x_train, x_test = mnist
    # Adam moves the scalar log-scale about one learning rate per step.
    budget = {"epochs": 4, "batch_size": 32, "learning_rate": 1e-2}
    fixed, _ = trained(small_model("vae", "mlp", x_train.shape[1:], LATENT, likelihood="normal",
                                   likelihood_scale=1.0), x_train, **budget)
    learned, _ = trained(small_model("vae", "mlp", x_train.shape[1:], LATENT, likelihood="normal",
                                     likelihood_scale="learned"), x_train, **budget)
    scale = float(np.exp(learned.likelihood_log_scale.numpy()))
    assert scale < 0.7  # pixel noise is far below 1
    assert np.mean(learned.negative_elbo(x_test)) < np.mean(fixed.negative_elbo(x_test))
    assert learned.get_config()["likelihood_scale"] == "learned"


@pytest.mark.parametrize("options,match", [
    ({"beta": -1.0}, r"beta.*\[0.0, inf\]"),
    ({"prior": "laplace"}, r"prior.*\['mixture', 'normal'\]"),
    ({"likelihood": "poisson"}, r"likelihood.*\['bernoulli', 'normal'\]"),
    ({"likelihood_scale": 0.0}, r"likelihood_scale"),
    ({"likelihood_scale": "fancy"}, r"likelihood_scale.*'learned'"),
    ({"free_bits": -0.5}, r"free_bits.*\[0.0, inf\]"),
    ({"mixture_components": 0}, r"mixture_components"),
])
def test_bad_options_name_the_valid_range(options, match):
    with pytest.raises(ValueError, match=match):
        small_model("vae", "mlp", (8, 8, 1), **options)


def test_annealing_schedule_options_are_checked():
    with pytest.raises(ValueError, match=r"schedule.*\['cyclical', 'linear'\]"):
        zoo.callbacks.KLAnnealing("cosine")
