"""The base class: bad input is refused with a clear error, before TensorFlow runs."""

import numpy as np
import pytest
import tensorflow as tf
from support import small_model

import zoo


def test_unknown_names_list_the_choices():
    with pytest.raises(ValueError, match=r"Unknown variant.*'ae'.*Received: variant='nope'"):
        zoo.build("nope", input_shape=(8, 8, 1), latent_dim=2)
    with pytest.raises(ValueError, match=r"Unknown backbone.*'mlp'.*Received: backbone='resnet'"):
        zoo.build("ae", input_shape=(8, 8, 1), latent_dim=2, backbone="resnet")


@pytest.mark.parametrize("latent_dim", [0, -3, 2.5, "8", True])
def test_latent_dim_must_be_positive_int(latent_dim):
    with pytest.raises(ValueError, match="latent_dim"):
        zoo.build("ae", input_shape=(8, 8, 1), latent_dim=latent_dim)


@pytest.mark.parametrize("shape", [(), (0, 8), (8, -1), "28x28", None])
def test_input_shape_must_be_positive_dims(shape):
    with pytest.raises(ValueError, match="input_shape"):
        zoo.build("ae", input_shape=shape, latent_dim=2)


def test_option_of_another_backbone_is_refused():
    with pytest.raises(ValueError, match="`filters` belongs to the 'conv' backbone"):
        zoo.build("ae", input_shape=(8, 8, 1), latent_dim=2, backbone="mlp", filters=(4,))


def test_conv_refuses_vectors():
    with pytest.raises(ValueError, match="conv backbone expects"):
        zoo.build("ae", input_shape=(64,), latent_dim=2, backbone="conv")


@pytest.mark.parametrize(
    "option", [{"loss": "l3"}, {"dropout": 1.0}, {"dropout": -0.1}, {"kernel_l2": -1.0}]
)
def test_common_options_are_range_checked(option):
    with pytest.raises(ValueError, match=next(iter(option))):
        zoo.build("ae", input_shape=(8, 8, 1), latent_dim=2, **option)


@pytest.fixture(scope="module")
def model():
    return small_model("ae", "mlp", (8, 8, 1), latent_dim=4)


@pytest.mark.parametrize(
    "x,error,message",
    [
        (np.zeros((3, 64), np.float32), ValueError, r"shape \(batch, 8, 8, 1\).*\(3, 64\)"),
        (np.zeros((8, 8, 1), np.float32), ValueError, r"Received: x.shape=\(8, 8, 1\)"),
        (np.zeros((0, 8, 8, 1), np.float32), ValueError, "non-empty batch"),
        (np.full((2, 8, 8, 1), np.nan, np.float32), ValueError, "finite values"),
        (np.full((2, 8, 8, 1), np.inf, np.float32), ValueError, "finite values"),
        (np.full((2, 8, 8, 1), "a"), TypeError, "numeric array"),
        ("pixels", TypeError, "numeric array"),
    ],
)
def test_bad_arrays_are_refused_before_tensorflow(model, x, error, message, monkeypatch):
    def no_tensorflow(*args, **kwargs):
        raise AssertionError("TensorFlow ran on bad input")

    monkeypatch.setattr(model.encoder, "call", no_tensorflow)
    for method in (model.encode, model.reconstruct, model.score):
        with pytest.raises(error, match=message):
            method(x)
    with pytest.raises(error, match=message):
        model.fit(x, epochs=1, verbose=0)


def test_decode_checks_the_latent_shape(model):
    with pytest.raises(ValueError, match=r"decode expects `z` of shape \(batch, 4\)"):
        model.decode(np.zeros((2, 5), np.float32))


def test_fit_checks_datasets_and_validation_data(model, digits):
    model.compile(optimizer="adam")
    wrong = tf.data.Dataset.from_tensor_slices(np.zeros((4, 64), np.float32)).batch(2)
    with pytest.raises(ValueError, match=r"dataset batches of shape \(batch, 8, 8, 1\)"):
        model.fit(wrong, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(digits[0][:8], validation_data=(np.zeros((2, 3)),), epochs=1, verbose=0)


def test_numpy_and_tf_data_train_the_same(digits):
    x = digits[0][:256]
    histories = []
    for source in ("numpy", "tf.data"):
        import keras

        keras.utils.set_random_seed(1)
        m = small_model("ae", "mlp", (8, 8, 1), latent_dim=4)
        m.compile(optimizer="sgd")
        data = x if source == "numpy" else tf.data.Dataset.from_tensor_slices(x).batch(32)
        histories.append(m.fit(data, batch_size=32, epochs=2, shuffle=False, verbose=0).history)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-5)


def test_loss_is_per_example_sum_mean_over_batch(digits):
    x = digits[0][:64]
    m = small_model("ae", "mlp", (8, 8, 1), latent_dim=4)
    m.compile(optimizer="adam")
    expected = float(np.mean(np.sum((np.asarray(m.reconstruct(x)) - x) ** 2, axis=(1, 2, 3))))
    for batch_size in (8, 64):
        got = m.evaluate(x, batch_size=batch_size, verbose=0, return_dict=True)["loss"]
        assert got == pytest.approx(expected, rel=1e-4)
