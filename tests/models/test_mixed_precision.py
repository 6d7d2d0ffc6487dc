"""Mixed precision: 16-bit compute, float32 losses, same training quality."""

import keras
import numpy as np
import pytest
from support import small_model

from zoo.training import distribute


@pytest.fixture
def policy():
    def use(name):
        distribute.set_precision(name)

    yield use
    distribute.set_precision("float32")


def train(variant, x):
    keras.utils.set_random_seed(0)
    model = small_model(variant, "mlp", x.shape[1:], latent_dim=4)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    return model, model.fit(x, epochs=4, batch_size=64, verbose=0).history["loss"]


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("variant", ["ae", "vae"])
def test_mixed_precision_trains_like_float32(variant, precision, policy, digits):
    x = digits[0][:512]
    _, reference = train(variant, x)
    policy(precision)
    model, losses = train(variant, x)
    hidden = model.encoder.layers[2]
    assert hidden.compute_dtype == precision.removeprefix("mixed_")
    assert hidden.variable_dtype == "float32"
    assert model.encode(x[:4]).dtype == "float32"
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    assert losses[-1] == pytest.approx(reference[-1], rel=0.1)
