"""contractive_ae: its encoder Jacobian is much smaller than a plain AE's; closed form is exact."""

import numpy as np
import pytest
from support import small_model, trained

LATENT = 16
BUDGET = {"epochs": 6}


def jacobian_norms(model, x):
    """Exact squared Frobenius norm of d(encode)/dx per example, independent of the model."""
    import tensorflow as tf

    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = model.encode_tensor(x)
    return tf.reduce_sum(tf.square(tape.batch_jacobian(z, x)), axis=[1, 2, 3, 4]).numpy()


def test_jacobian_norm_below_half_of_plain_ae(mnist):
    x_train, x_test = mnist
    plain, _ = trained(small_model("ae", "mlp", x_train.shape[1:], LATENT), x_train, **BUDGET)
    contractive, history = trained(
        small_model("contractive_ae", "mlp", x_train.shape[1:], LATENT,
                    code_activation="linear", contractive_weight=0.3),
        x_train, **BUDGET)
    plain_norm = jacobian_norms(plain, x_test[:128]).mean()
    contractive_norm = jacobian_norms(contractive, x_test[:128]).mean()
    print(f"||J||_F^2: contractive {contractive_norm:.3f} vs plain {plain_norm:.3f}")
    assert contractive_norm < 0.5 * plain_norm
    # The model's own measure agrees with the independent one above.
    np.testing.assert_allclose(
        np.asarray(contractive.jacobian_norm(x_test[:128])).mean(), contractive_norm, rtol=1e-4)
    assert history["contraction"][-1] < history["contraction"][0]


def test_closed_form_equals_exact_jacobian(mnist):
    x_train, x_test = mnist
    model, _ = trained(
        small_model("contractive_ae", "mlp", x_train.shape[1:], LATENT, hidden_units=(),
                    code_activation="sigmoid", contractive_weight=0.1),
        x_train, epochs=2)
    assert model.has_closed_form
    closed = np.asarray(model.jacobian_norm(x_test[:64], exact=False))
    exact = np.asarray(model.jacobian_norm(x_test[:64], exact=True))
    np.testing.assert_allclose(closed, exact, rtol=1e-4)
    assert closed.min() > 0


def test_closed_form_refused_where_it_does_not_hold(mnist):
    model = small_model("contractive_ae", "mlp", (28, 28, 1), LATENT)  # one hidden layer
    with pytest.raises(ValueError, match="closed-form"):
        model.jacobian_norm(mnist[1][:4], exact=False)


@pytest.mark.parametrize("options,match", [
    ({"contractive_weight": -0.1}, r"contractive_weight.*\[0.0, inf\]"),
    ({"code_activation": "relu"}, r"code_activation.*\['linear', 'sigmoid'\]"),
])
def test_bad_options_name_the_valid_range(options, match):
    with pytest.raises(ValueError, match=match):
        small_model("contractive_ae", "mlp", (8, 8, 1), **options)
