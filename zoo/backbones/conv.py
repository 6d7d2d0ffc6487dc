"""Strided convolutional encoder and transposed-convolution decoder.

Conv2D for `(height, width, channels)` inputs, Conv1D for `(timesteps,
features)` inputs. Any size works: each stride-2 stage rounds up, and the
decoder crops back to the exact input size.
"""

import math
import numbers

import keras

from zoo.backbones.backbone import Backbone, maybe_dropout, regularizer
from zoo.models.registry import register_backbone


def _downsampled(size, stages):
    sizes = [size]
    for _ in range(stages):
        sizes.append(math.ceil(sizes[-1] / 2))
    return sizes


@register_backbone("conv")
class Conv(Backbone):
    """Stride-2 convolutions down, stride-2 transposed convolutions up.

    Options:
        filters: tuple of ints. Filters of each stride-2 stage. Defaults to
            `(32, 64)`.
        kernel_size: int. Kernel size of every convolution. Defaults to `3`.
    """

    options = {"filters": (32, 64), "kernel_size": 3}

    def check_options(self, input_shape, options):
        if len(input_shape) not in (2, 3):
            raise ValueError(
                "The conv backbone expects input_shape (height, width, channels) or "
                f"(timesteps, features). Received: input_shape={input_shape}"
            )
        filters = options["filters"]
        if isinstance(filters, numbers.Integral):
            filters = (filters,)
        filters = tuple(filters)
        if not filters or any(
            isinstance(f, bool) or not isinstance(f, numbers.Integral) or f < 1 for f in filters
        ):
            raise ValueError(
                "`filters` must be a non-empty tuple of positive integers. "
                f"Received: filters={options['filters']!r}"
            )
        size = options["kernel_size"]
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(
                f"`kernel_size` must be a positive integer. Received: kernel_size={size!r}"
            )
        return {"filters": tuple(int(f) for f in filters), "kernel_size": int(size)}

    @staticmethod
    def _layers(rank):
        if rank == 3:
            return keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.Cropping2D
        return keras.layers.Conv1D, keras.layers.Conv1DTranspose, keras.layers.Cropping1D

    def _down(self, h, options, dropout, kernel_l2):
        conv, _, _ = self._layers(len(h.shape) - 1)
        for f in options["filters"]:
            h = conv(
                f, options["kernel_size"], strides=2, padding="same", activation="relu",
                kernel_regularizer=regularizer(kernel_l2),
            )(h)
            h = maybe_dropout(h, dropout)
        return h

    def _up(self, h, output_shape, options, dropout, kernel_l2):
        rank = len(output_shape)
        conv, transpose, crop = self._layers(rank)
        filters = options["filters"]
        sizes = [_downsampled(s, len(filters)) for s in output_shape[:-1]]
        for stage in range(len(filters), 0, -1):
            width = filters[max(stage - 2, 0)]
            h = transpose(
                width, options["kernel_size"], strides=2, padding="same", activation="relu",
                kernel_regularizer=regularizer(kernel_l2),
            )(h)
            h = maybe_dropout(h, dropout)
            excess = [2 * s[stage] - s[stage - 1] for s in sizes]
            if any(excess):
                h = crop(tuple((0, e) for e in excess) if rank == 3 else (0, excess[0]))(h)
        return conv(
            output_shape[-1], options["kernel_size"], padding="same",
            kernel_regularizer=regularizer(kernel_l2),
        )(h)

    def encoder(self, input_shape, output_dim, options, dropout=0.0, kernel_l2=0.0):
        inputs = keras.Input(shape=input_shape, name="x")
        h = self._down(inputs, options, dropout, kernel_l2)
        h = keras.layers.Flatten()(h)
        outputs = keras.layers.Dense(output_dim, kernel_regularizer=regularizer(kernel_l2))(h)
        return keras.Model(inputs, outputs, name="encoder")

    def decoder(self, latent_dim, output_shape, options, dropout=0.0, kernel_l2=0.0):
        grid = self.grid_shape(output_shape, options["filters"][-1], options)
        inputs = keras.Input(shape=(latent_dim,), name="z")
        h = keras.layers.Dense(
            math.prod(grid), activation="relu", kernel_regularizer=regularizer(kernel_l2)
        )(inputs)
        h = keras.layers.Reshape(grid)(h)
        outputs = self._up(h, output_shape, options, dropout, kernel_l2)
        return keras.Model(inputs, outputs, name="decoder")

    # ------------------------------------------------------------- grid mode

    def grid_shape(self, input_shape, code_dim, options, slots=1):
        """The downsampled feature map: `(h, w, code_dim)` or `(t, code_dim)`."""
        stages = len(options["filters"])
        return tuple(_downsampled(s, stages)[-1] for s in input_shape[:-1]) + (code_dim,)

    def grid_encoder(self, input_shape, code_dim, options, dropout=0.0, kernel_l2=0.0, slots=1):
        conv, _, _ = self._layers(len(input_shape))
        inputs = keras.Input(shape=input_shape, name="x")
        h = self._down(inputs, options, dropout, kernel_l2)
        # A 1x1 convolution maps features to code vectors, one per grid position.
        outputs = conv(code_dim, 1, kernel_regularizer=regularizer(kernel_l2))(h)
        return keras.Model(inputs, outputs, name="grid_encoder")

    def grid_decoder(self, grid_shape, output_shape, options, dropout=0.0, kernel_l2=0.0):
        inputs = keras.Input(shape=grid_shape, name="z")
        outputs = self._up(inputs, output_shape, options, dropout, kernel_l2)
        return keras.Model(inputs, outputs, name="grid_decoder")
