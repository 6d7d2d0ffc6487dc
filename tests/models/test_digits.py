"""Nothing assumes 28x28: every variant on every backbone runs the same calls on 8x8 digits."""

import numpy as np
import pytest
from support import small_model, trained

import zoo

MATRIX = [(v, b) for v in zoo.list_models() for b in zoo.list_backbones()]


@pytest.mark.parametrize("variant,backbone", MATRIX)
def test_same_calls_work_on_8x8_digits(variant, backbone, digits):
    x_train, x_test = digits
    if backbone == "recurrent":  # rows as timesteps
        x_train, x_test = x_train[..., 0], x_test[..., 0]
    model, history = trained(small_model(variant, backbone, x_train.shape[1:], 4),
                             x_train[:256], epochs=2)
    assert np.isfinite(history["loss"]).all()
    batch = x_test[:7]
    z = np.asarray(model.encode(batch))
    assert z.shape == (7,) + tuple(model.latent_shape())
    reconstruction = np.asarray(model.reconstruct(batch))
    assert reconstruction.shape == batch.shape and np.isfinite(reconstruction).all()
    np.testing.assert_allclose(np.asarray(model.decode(z)), reconstruction, atol=1e-6)
    assert np.asarray(model.score(batch)).shape == (7,)
    if "discrete_codes" in model.capabilities:
        model.fit_prior(x_train[:256], epochs=1)
        if backbone == "conv":
            assert model.latent_shape() == (2, 2, 4)  # 8 -> 4 -> 2
    if "samples" in model.capabilities:
        samples = np.asarray(model.sample(3, seed=0))
        assert samples.shape == (3,) + x_train.shape[1:] and np.isfinite(samples).all()
