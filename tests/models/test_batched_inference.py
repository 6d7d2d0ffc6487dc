"""encode / decode / reconstruct / score: numpy batch by batch, tensors differentiable.

Numpy in gives numpy out, computed `batch_size` examples at a time (memory
grows with the batch, not with the data: measured in a fresh process); a
`tf.Tensor` or `tf.Variable` in gives a tensor out that `tf.GradientTape`
differentiates. Bad input still fails with one clear error, before any work.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import zoo


@pytest.fixture(scope="module")
def vae(mnist):
    model = zoo.build("vae", input_shape=(28, 28, 1), latent_dim=4, hidden_units=(32,))
    model.compile(optimizer="adam")
    model.fit(zoo.datasets.binarize(mnist[0]), batch_size=64, epochs=1, verbose=0)
    return model


@pytest.mark.parametrize("method", ["encode", "reconstruct", "score"])
def test_numpy_in_numpy_out_the_same_in_any_batch_size(vae, mnist, method):
    x = mnist[1][:100]
    whole = getattr(vae, method)(x, batch_size=1000)
    pieces = getattr(vae, method)(x, batch_size=7)
    assert isinstance(whole, np.ndarray) and isinstance(pieces, np.ndarray)
    assert whole.shape[0] == 100 and whole.dtype == np.float32
    # TF CPU kernels differ by ~1e-6 between batch sizes (DESIGN §9).
    np.testing.assert_allclose(pieces, whole, rtol=1e-5, atol=1e-5)
    reference = getattr(vae, f"{method}_tensor")(tf.constant(x)).numpy()
    np.testing.assert_allclose(whole, reference, rtol=1e-5, atol=1e-5)


def test_decode_takes_numpy_codes_in_batches(vae):
    z = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    images = vae.decode(z, batch_size=16)
    assert isinstance(images, np.ndarray) and images.shape == (50, 28, 28, 1)
    np.testing.assert_allclose(images, vae.decode(z, batch_size=64), atol=1e-5)


def test_gradients_flow_through_encode_of_a_tensor_and_decode_of_a_variable(vae, mnist):
    x = tf.constant(mnist[1][:8])
    with tf.GradientTape() as tape:
        tape.watch(x)
        codes = vae.encode(x)
        objective = tf.reduce_sum(tf.square(codes))
    assert isinstance(codes, tf.Tensor)
    gradient = tape.gradient(objective, x)
    assert gradient is not None and float(tf.reduce_max(tf.abs(gradient))) > 0

    z = tf.Variable(np.random.default_rng(1).normal(size=(8, 4)).astype(np.float32))
    with tf.GradientTape() as tape:
        objective = tf.reduce_sum(vae.decode(z))
    gradient = tape.gradient(objective, z)
    assert gradient is not None and float(tf.reduce_max(tf.abs(gradient))) > 0


def test_gradients_flow_through_score_and_reconstruct_in_batches(vae, mnist):
    x = tf.Variable(mnist[1][:20])
    with tf.GradientTape(persistent=True) as tape:
        scores = vae.score(x, batch_size=6)  # four batches, concatenated
        images = vae.reconstruct(x, batch_size=6)
    assert scores.shape == (20,) and images.shape == (20, 28, 28, 1)
    for value in (scores, images):
        gradient = tape.gradient(value, x)
        assert gradient is not None and float(tf.reduce_max(tf.abs(gradient))) > 0


def test_tensors_work_inside_a_tf_function(vae, mnist):
    encode = tf.function(lambda x: vae.encode(x))
    np.testing.assert_allclose(encode(tf.constant(mnist[1][:5])).numpy(),
                               vae.encode(mnist[1][:5]), atol=1e-6)


@pytest.mark.parametrize(
    "x,error,message",
    [
        (tf.zeros((3, 784)), ValueError, r"encode expects `x` of shape \(batch, 28, 28, 1\)"),
        (tf.zeros((0, 28, 28, 1)), ValueError, "non-empty batch"),
        (tf.fill((2, 28, 28, 1), np.nan), ValueError, "finite values"),
        (tf.Variable(tf.fill((2, 28, 28, 1), np.inf)), ValueError, "finite values"),
        (tf.fill((2, 28, 28, 1), "a"), TypeError, "numeric array"),
    ],
)
def test_bad_tensors_are_refused_before_the_model_runs(vae, x, error, message, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the encoder ran on bad input")

    monkeypatch.setattr(vae.encoder, "call", no_network)
    with pytest.raises(error, match=message):
        vae.encode(x)


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "all"])
def test_bad_batch_size_is_refused(vae, mnist, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        vae.encode(mnist[1][:4], batch_size=batch_size)


PEAK_SCRIPT = """
import json, os, resource, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import zoo
model = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv", filters=(32,))
x = np.random.default_rng(0).random((50000, 28, 28, 1), dtype=np.float32)
model.encode(x[:256])  # warm up kernels and allocators
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
codes = model.encode(x)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"kib": after - before, "shape": list(codes.shape)}))
"""


def test_encoding_50000_images_raises_peak_memory_by_less_than_400_mib():
    """Whole-array encoding would hold 50,000 x 14 x 14 x 32 activations (1.2 GB)."""
    result = subprocess.run([sys.executable, "-c", PEAK_SCRIPT], capture_output=True, text=True,
                            timeout=600, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["shape"] == [50000, 16]
    assert measured["kib"] / 1024 < 400, measured
