"""Model helpers of the detectors: batched calls, capabilities, copies."""

import os
import tempfile

import numpy as np

BATCH = 512


def batched(function, x, batch_size=BATCH):
    """Returns `function` over `x` in batches, concatenated as one numpy array."""
    return np.concatenate([np.asarray(function(x[i:i + batch_size]))
                           for i in range(0, len(x), batch_size)])


def has_posterior(model):
    """Whether `model` declares a posterior (a VAE): IW-NLL applies."""
    from zoo.models import capabilities_of

    return "posterior" in capabilities_of(model)


def is_autoencoder(model):
    """Whether `model` is an aezoo autoencoder."""
    from zoo.models.base import Autoencoder

    return isinstance(model, Autoencoder)


def data_shape(model):
    """The input shape of one example, without the batch axis."""
    shape = getattr(model, "data_shape", None)
    return tuple(shape) if shape is not None else tuple(model.input_shape[1:])


def copy_model(model):
    """Returns an independent copy (saved and reloaded), to fine-tune without changing `model`."""
    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return keras.models.load_model(path)
