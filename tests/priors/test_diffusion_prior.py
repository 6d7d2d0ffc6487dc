"""Latent diffusion prior: learns a latent distribution, samples reproducibly, saves in .keras."""

import keras
import numpy as np
import pytest

import zoo
from zoo.priors.diffusion import DiffusionPrior

SMALL_PRIOR = {"width": 32, "blocks": 1}


def two_modes(n, seed=0):
    """2-D latents from two well-separated Gaussian modes at (+-3, +-3) (scale 0.3)."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(n, 1))
    return (signs * 3.0 + 0.3 * rng.standard_normal((n, 2))).astype(np.float32)


def near_a_mode(latents):
    return np.minimum(np.linalg.norm(latents - 3.0, axis=1),
                      np.linalg.norm(latents + 3.0, axis=1)) < 1.0


def test_denoiser_learns_a_two_mode_latent_distribution():
    latents = two_modes(2000)
    prior = DiffusionPrior(2, width=64, blocks=2)
    untrained = prior.sample(500, seed=0, steps=25)
    history = prior.fit_latents(latents, epochs=25, batch_size=128, learning_rate=3e-3)
    samples = prior.sample(500, seed=0, steps=25)
    assert history[-1] < history[0]
    # Trained: nearly every sample lands on a mode, both modes drawn about equally.
    assert near_a_mode(samples).mean() > 0.85
    assert 0.3 < (samples[:, 0] > 0).mean() < 0.7
    # Untrained (predicts 0): samples collapse to the data mean, between the modes.
    assert near_a_mode(untrained).mean() < 0.2


@pytest.fixture(scope="module")
def ae_with_prior(mnist):
    x_train, _ = mnist
    keras.utils.set_random_seed(0)
    model = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=4, backbone="mlp",
                      hidden_units=(64,))
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x_train, epochs=2, batch_size=64, verbose=0)
    assert "samples" not in zoo.models.capabilities_of(model)
    history = model.fit_prior(x_train, kind="diffusion", epochs=3, **SMALL_PRIOR)
    return model, history


def test_fit_prior_gives_samples_and_names_the_prior(ae_with_prior):
    model, history = ae_with_prior
    assert len(history["prior_loss"]) == 3
    assert model.prior_kind == "diffusion"
    assert "samples" in zoo.models.capabilities_of(model)
    images = np.asarray(model.sample(6, seed=0, steps=5))
    assert images.shape == (6, 28, 28, 1) and np.isfinite(images).all()


def test_sample_is_reproducible_for_a_seed(ae_with_prior):
    model, _ = ae_with_prior
    a = np.asarray(model.sample(4, seed=3, steps=10))
    b = np.asarray(model.sample(4, seed=3, steps=10))
    c = np.asarray(model.sample(4, seed=4, steps=10))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3
    # eta > 0 draws fresh noise each step, from the same seeded generator.
    np.testing.assert_array_equal(np.asarray(model.sample(4, seed=3, steps=10, eta=1.0)),
                                  np.asarray(model.sample(4, seed=3, steps=10, eta=1.0)))


def test_prior_round_trips_through_a_keras_file(ae_with_prior, tmp_path):
    model, _ = ae_with_prior
    path = str(tmp_path / "ae.keras")
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert loaded.prior_kind == "diffusion"
    assert loaded.get_config()["latent_prior"] == model.get_config()["latent_prior"]
    # Same weights and noise; the networks of `model`, traced earlier in this module for other
    # batch shapes, may take other oneDNN kernels: equal to float32 rounding (6e-8 seen).
    np.testing.assert_allclose(np.asarray(loaded.sample(5, seed=1, steps=8)),
                               np.asarray(model.sample(5, seed=1, steps=8)), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(loaded.latent_prior.latent_scale),
                                  np.asarray(model.latent_prior.latent_scale))


def test_refitting_replaces_the_prior_and_still_saves(mnist, tmp_path):
    x_train, _ = mnist
    model = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=3, backbone="mlp",
                      hidden_units=(32,))
    assert model.prior_kind == "normal"
    model.fit_prior(x_train[:128], epochs=1, width=16, blocks=1)
    model.fit_prior(x_train[:128], epochs=1, width=24, blocks=2)
    assert model.prior_kind == "diffusion"
    assert model.latent_prior.width == 24
    path = str(tmp_path / "vae.keras")
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert len(loaded.weights) == len(model.weights)
    np.testing.assert_array_equal(np.asarray(loaded.sample(3, seed=0, steps=4)),
                                  np.asarray(model.sample(3, seed=0, steps=4)))


def test_fine_tuning_the_autoencoder_leaves_the_prior_alone(ae_with_prior, mnist):
    model, _ = ae_with_prior
    clone = zoo.hub.uncompiled_copy(model)
    before = [np.array(w) for w in clone.latent_prior.denoiser.weights]
    clone.compile(optimizer="adam")
    clone.fit(mnist[0][:128], epochs=1, batch_size=64, verbose=0)
    after = [np.array(w) for w in clone.latent_prior.denoiser.weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_bad_prior_requests_are_refused(ae_with_prior, mnist):
    model, _ = ae_with_prior
    with pytest.raises(ValueError, match="kind"):
        model.fit_prior(mnist[0][:32], kind="transformer")
    with pytest.raises(ValueError, match="steps"):
        model.sample(2, steps=0)
    with pytest.raises(ValueError, match="latent_prior"):
        zoo.build("ae", input_shape=(28, 28, 1), latent_dim=4, latent_prior={"kind": "gan"})
    plain = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=4)
    with pytest.raises(ValueError, match="fit_prior"):
        plain.sample(2)
    vq = zoo.build("vq_vae", input_shape=(28, 28, 1), latent_dim=4, backbone="conv",
                   filters=(8,), num_embeddings=8)
    with pytest.raises(ValueError, match="kind"):
        vq.fit_prior(mnist[0][:32], kind="diffusion")
