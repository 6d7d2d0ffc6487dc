"""Masked (autoregressive) convolutions for the VQ-VAE's prior over codes.

Keras 3 layers only: `tfd.PixelCNN` builds Keras 2 layers that a Keras 3
model neither trains nor saves (DESIGN §9). TFP appears only on the output,
as `tfd.Categorical(logits=...)`, in the model that owns this network.
"""

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="aezoo")
class MaskedConv(keras.layers.Layer):
    """Convolution that sees only earlier positions in raster order (PixelCNN masks).

    Works on 1-D grids `(batch, length, channels)` and 2-D grids `(batch,
    height, width, channels)`. Mask `"A"` hides the current position (first
    layer: a code must not see itself); mask `"B"` shows it (later layers).

    Args:
        filters: int. Output channels.
        kernel_size: int. Odd kernel size along each grid axis.
        rank: int. 1 or 2, the number of grid axes.
        mask_type: str. `"A"` or `"B"`.
        activation: str or None. Keras activation. Defaults to `None`.

    Reference:
    - van den Oord et al., "Pixel Recurrent Neural Networks", ICML 2016.
    """

    def __init__(self, filters, kernel_size, rank, mask_type, activation=None, **kwargs):
        super().__init__(**kwargs)
        if mask_type not in ("A", "B"):
            raise ValueError(f"`mask_type` must be 'A' or 'B'. Received: mask_type={mask_type!r}")
        if rank not in (1, 2):
            raise ValueError(f"`rank` must be 1 or 2. Received: rank={rank!r}")
        if kernel_size % 2 != 1:
            raise ValueError(f"`kernel_size` must be odd. Received: kernel_size={kernel_size}")
        self.filters = filters
        self.kernel_size = kernel_size
        self.rank = rank
        self.mask_type = mask_type
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        k, c = self.kernel_size, self.kernel_size // 2
        spatial = (k,) * self.rank
        self.kernel = self.add_weight(
            shape=spatial + (input_shape[-1], self.filters), initializer="glorot_uniform",
            name="kernel",
        )
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")
        mask = np.zeros(spatial, np.float32)
        if self.rank == 1:
            mask[:c] = 1.0
            mask[c] = float(self.mask_type == "B")
        else:
            mask[:c, :] = 1.0
            mask[c, :c] = 1.0
            mask[c, c] = float(self.mask_type == "B")
        self.mask = mask[..., None, None]

    def call(self, inputs):
        kernel = self.kernel * tf.constant(self.mask, self.kernel.dtype)
        outputs = tf.nn.convolution(inputs, kernel, padding="SAME") + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "rank": self.rank,
                "mask_type": self.mask_type,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config


def build_code_prior(positions, num_embeddings, filters=32, layers=3):
    """Returns a small PixelCNN: integer codes `(batch,) + positions` -> logits `(..., K)`.

    Args:
        positions: tuple of 1 or 2 ints. The code grid without the code axis.
        num_embeddings: int. Codebook size K.
        filters: int. Channels of every hidden layer.
        layers: int. Masked "B" layers after the first masked "A" layer.
    """
    rank = len(positions)
    inputs = keras.Input(shape=positions, dtype="int32", name="codes")
    h = keras.layers.Embedding(num_embeddings, filters)(inputs)
    h = MaskedConv(filters, 5, rank, "A", activation="relu")(h)
    for _ in range(layers):
        h = h + MaskedConv(filters, 3, rank, "B", activation="relu")(h)
    logits = keras.layers.Dense(num_embeddings)(h)
    return keras.Model(inputs, logits, name="code_prior")
