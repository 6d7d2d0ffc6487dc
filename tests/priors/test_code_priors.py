"""Code priors over VQ-VAE grids: causality, learning a code pattern, the .keras round trip."""

import keras
import numpy as np
import pytest

import zoo
from zoo.priors import codes


@pytest.mark.parametrize("kind", ["pixelcnn", "transformer"])
def test_logits_depend_only_on_earlier_positions(kind):
    network = codes.build_code_network(kind, (4, 4), 8, width=16, layers=2)
    rng = np.random.default_rng(0)
    grid = rng.integers(0, 8, (1, 4, 4)).astype(np.int32)
    base = np.asarray(network(grid, training=False))
    for flat in (0, 5, 10, 15):
        changed = grid.copy()
        changed.reshape(-1)[flat] = (changed.reshape(-1)[flat] + 3) % 8
        moved = np.abs(np.asarray(network(changed, training=False)) - base).max(axis=-1)
        moved = moved.reshape(-1)
        assert np.all(moved[: flat + 1] < 1e-6), (kind, flat)
        if flat < 15 and kind == "transformer":
            assert moved[flat + 1:].max() > 1e-6  # attention reaches every later position


def counting_grids(n, length=9, num_embeddings=8, seed=0):
    """Code sequences that count up from a random start: code[i] = start + i (mod K)."""
    start = np.random.default_rng(seed).integers(0, num_embeddings, (n, 1))
    return ((start + np.arange(length)[None]) % num_embeddings).astype(np.int32).reshape(n, 3, 3)


def test_transformer_learns_a_code_pattern_and_samples_it():
    grids = counting_grids(512)
    network = codes.build_code_network("transformer", (3, 3), 8, width=32, layers=1)
    history = codes.fit_code_network(network, grids, epochs=20, batch_size=64,
                                     learning_rate=3e-3)
    uniform = 9 * np.log(8)
    assert history[0] > 0.5 * uniform
    # Only the first code is uncertain (log 8 nats); the rest follow from it.
    assert history[-1] < np.log(8) + 1.0
    samples = codes.sample_code_grid(network, 64, (3, 3), seed=0).reshape(64, -1)
    follows = np.mean(np.diff(samples, axis=1) % 8 == 1)
    assert follows > 0.9
    np.testing.assert_array_equal(samples, codes.sample_code_grid(network, 64, (3, 3), seed=0)
                                  .reshape(64, -1))


def test_vq_vae_switches_to_a_transformer_prior_and_saves_it(mnist, tmp_path):
    x_train, _ = mnist
    model = zoo.build("vq_vae", input_shape=(28, 28, 1), latent_dim=4, backbone="conv",
                      filters=(8, 16), num_embeddings=16)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x_train[:256], epochs=1, batch_size=64, verbose=0)
    assert model.prior_kind == "pixelcnn"
    history = model.fit_prior(x_train[:256], kind="transformer", epochs=2, prior_filters=16,
                              prior_layers=1)
    assert len(history["prior_nll"]) == 2
    assert model.prior_kind == "transformer"
    assert model.get_config()["code_prior"] == "transformer"
    path = str(tmp_path / "vq.keras")
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert loaded.prior_kind == "transformer"
    assert len(loaded.weights) == len(model.weights)
    np.testing.assert_array_equal(np.asarray(loaded.sample(3, seed=5)),
                                  np.asarray(model.sample(3, seed=5)))


def test_transformer_width_must_split_into_heads():
    with pytest.raises(ValueError, match="divisible"):
        codes.build_code_network("transformer", (3, 3), 8, width=30, layers=1)
    with pytest.raises(ValueError, match="code_prior"):
        codes.build_code_network("gpt", (3, 3), 8, width=32, layers=1)
