"""vq_vae: a well-used codebook (perplexity, restarts), integer codes, sampling from its prior."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import small_model, trained

import zoo

K = 32
BUDGET = {"epochs": 6}


def options(**extra):
    return {"num_embeddings": K, "filters": (16, 32), **extra}


def test_conv_grid_shape_and_integer_codes(mnist):
    model = small_model("vq_vae", "conv", (28, 28, 1), 4, **options())
    assert model.latent_shape() == (7, 7, 4)
    codes = model.codes(mnist[1][:5])
    assert codes.dtype == tf.int32 and tuple(codes.shape) == (5, 7, 7)
    # encode is the codebook row of each code.
    np.testing.assert_array_equal(np.asarray(model.encode(mnist[1][:5])),
                                  np.asarray(model.quantize_codes(codes)))
    # The export endpoint calls codes_tensor inside a traced function.
    traced = tf.function(model.codes_tensor).get_concrete_function(
        tf.TensorSpec((None, 28, 28, 1), tf.float32))
    assert "ArgMin" in {op.type for op in traced.graph.get_operations()}
    np.testing.assert_array_equal(traced(tf.constant(mnist[1][:5])), codes)


@pytest.mark.parametrize("ema", [False, True])
def test_perplexity_well_above_one_and_restarts_keep_codes_in_use(ema, mnist):
    x_train, x_test = mnist
    restarted = small_model("vq_vae", "conv", x_train.shape[1:], 4, **options(ema=ema))
    restarts = zoo.callbacks.CodebookRestarts(x_train, every_steps=4)
    _, history = trained(restarted, x_train, callbacks=[restarts], **BUDGET)
    plain = small_model("vq_vae", "conv", x_train.shape[1:], 4, **options(ema=ema))
    _, plain_history = trained(plain, x_train, **BUDGET)
    codes = np.asarray(restarted.codes(x_test)).ravel()
    counts = np.bincount(codes, minlength=K)
    p = counts / counts.sum()
    perplexity = float(np.exp(-np.sum(p[p > 0] * np.log(p[p > 0]))))
    usage = float(np.mean(counts > 0))
    plain_usage = float(np.mean(np.bincount(np.asarray(plain.codes(x_test)).ravel(),
                                            minlength=K) > 0))
    print(f"ema={ema}: perplexity {perplexity:.1f}, usage {usage:.2f} with restarts, "
          f"{plain_usage:.2f} without; fit history perplexity {history['perplexity'][-1]:.1f}")
    assert {"perplexity", "codebook_usage"} <= set(history)
    # Most 7x7 positions of a digit are background, which one code covers: the
    # histogram is skewed, so perplexity sits well below the number of codes in use.
    assert perplexity > 5 and history["perplexity"][-1] > 5
    assert usage >= 0.9 and usage >= plain_usage
    if ema:  # an EMA codebook never moves an unused code: only restarts revive it
        assert usage > plain_usage + 0.15
    assert history["loss"][-1] < history["loss"][0]
    assert plain_history["codebook_usage"][-1] <= 1.0


def test_sample_after_fit_prior_gives_finite_images(mnist, tmp_path):
    x_train, _ = mnist
    model, _ = trained(small_model("vq_vae", "conv", x_train.shape[1:], 4, **options()),
                       x_train, epochs=3)
    before = model.code_prior.get_weights()
    history = model.fit_prior(x_train, epochs=4)
    assert history["prior_nll"][-1] < history["prior_nll"][0]
    images = np.asarray(model.sample(3, seed=1))
    assert images.shape == (3, 28, 28, 1) and np.isfinite(images).all()
    np.testing.assert_array_equal(images, np.asarray(model.sample(3, seed=1)))
    # The prior trained and is saved with the model.
    assert any(not np.allclose(a, b) for a, b in zip(before, model.code_prior.get_weights(),
                                                      strict=True))
    path = os.path.join(tmp_path, "vq.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded.sample(3, seed=1)), images, atol=1e-5)


def test_prior_over_slots_for_vector_backbones(digits):
    x_train, _ = digits
    model, _ = trained(small_model("vq_vae", "mlp", x_train.shape[1:], 4, num_embeddings=16,
                                   slots=3), x_train, epochs=2)
    assert model.latent_shape() == (3, 4)
    model.fit_prior(x_train, epochs=1)
    assert np.asarray(model.sample(2, seed=0)).shape == (2, 8, 8, 1)


def test_masked_convolution_sees_only_earlier_positions():
    from zoo.priors.pixelcnn import build_code_prior

    prior = build_code_prior((5, 5), 8, filters=8, layers=2)
    codes = np.zeros((1, 5, 5), np.int32)
    base = np.asarray(prior(codes))
    changed = codes.copy()
    changed[0, 2, 2] = 3
    moved = np.any(np.abs(np.asarray(prior(changed)) - base) > 1e-6, axis=-1)[0]
    # Raster order: (2, 2) may influence only later positions, never itself or earlier ones.
    flat = moved.ravel()
    assert not flat[: 2 * 5 + 2 + 1].any() and flat[2 * 5 + 3]


@pytest.mark.parametrize("extra,match", [
    ({"num_embeddings": 1}, r"num_embeddings.*>= 2"),
    ({"commitment_cost": -1.0}, r"commitment_cost.*\[0.0, inf\]"),
    ({"ema_decay": 1.0}, r"ema_decay.*\[0, 1\)"),
    ({"ema": "yes"}, r"ema.*True or False"),
])
def test_bad_options_name_the_valid_range(extra, match):
    with pytest.raises(ValueError, match=match):
        small_model("vq_vae", "mlp", (8, 8, 1), **extra)


MIRRORED_SCRIPT = """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np, zoo
x = zoo.datasets.load("digits", "train")[0][:64]
def run(strategy):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        m = zoo.build("vq_vae", input_shape=(8, 8, 1), latent_dim=4, hidden_units=(16,),
                      num_embeddings=8, ema=True, ema_decay=0.5)
        m.compile(optimizer=keras.optimizers.SGD(0.01))
    m.codebook_initialized.assign(1.0)
    m.fit(x, epochs=1, batch_size=64, shuffle=False, verbose=0)
    return m.codebook.numpy(), m.ema_cluster_size.numpy()
one = run(tf.distribute.OneDeviceStrategy("/cpu:0"))
two = run(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
print("DIFF", max(float(np.abs(a - b).max()) for a, b in zip(one, two)))
"""


def test_ema_statistics_are_summed_across_replicas():
    """2 replicas on half-batches give the single-device EMA codebook on the full batch."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    lines = [line for line in result.stdout.splitlines() if line.startswith("DIFF")]
    assert lines, result.stderr[-2000:]
    assert float(lines[0].split()[1]) < 1e-5
