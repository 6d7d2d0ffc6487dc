"""What every variant promises on every backbone (DESIGN §3-4)."""

import inspect
import os

import keras
import numpy as np
import pytest
from support import as_numpy, contract_data, small_model

import zoo
from zoo.models import registry
from zoo.models.base import Autoencoder

MATRIX = [(v, b) for v in zoo.list_models() for b in zoo.list_backbones()]


def constructor_arguments(cls):
    names = set()
    for klass in cls.__mro__:
        if klass is Autoencoder.__mro__[1]:
            break
        if "__init__" in vars(klass):
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self":
                    names.add(p.name)
    return names


@pytest.mark.parametrize("variant,backbone", MATRIX)
def test_contract(variant, backbone, mnist, tmp_path):
    x_train, x_test = contract_data(backbone, mnist)
    model = small_model(variant, backbone, x_train.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(2e-3))

    history = model.fit(x_train, epochs=4, batch_size=64, verbose=0).history
    losses = np.array(history["loss"])
    assert np.isfinite(losses).all()
    assert losses[-1] < losses[0], f"loss did not decrease: {losses}"
    assert set(model.metric_names()) <= set(history)

    batch = x_test[:16]
    z = as_numpy(model.encode(batch))
    assert z.shape[0] == 16 and np.isfinite(z).all()
    np.testing.assert_array_equal(z, as_numpy(model.encode(batch)))  # deterministic
    reconstruction = as_numpy(model.reconstruct(batch))
    assert reconstruction.shape == batch.shape
    np.testing.assert_allclose(reconstruction, as_numpy(model(batch)), atol=1e-6)
    scores = as_numpy(model.score(batch))
    assert scores.shape == (16,) and np.isfinite(scores).all()

    config = model.get_config()
    missing = constructor_arguments(type(model)) - set(config)
    missing |= set(registry.backbone(backbone).options) - set(config)
    assert not missing, f"get_config misses constructor arguments: {missing}"
    assert type(model).from_config(config).get_config() == config

    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(as_numpy(loaded.encode(batch)), z, atol=1e-6)
    np.testing.assert_allclose(as_numpy(loaded.reconstruct(batch)), reconstruction, atol=1e-6)
