"""Fully connected encoder and decoder for any input shape (flattened)."""

import math
import numbers

import keras

from zoo.backbones.backbone import (
    FAN_IN_UNIFORM,
    Backbone,
    checked_initializer,
    kernel_arguments,
    maybe_dropout,
)
from zoo.models.registry import register_backbone


@register_backbone("mlp")
class MLP(Backbone):
    """Dense layers; the decoder mirrors the encoder.

    Options:
        hidden_units: tuple of ints. Widths of the encoder's hidden layers;
            the decoder uses them reversed. `()` gives a linear map. Defaults
            to `(512, 256)`.
        activation: str. Hidden activation, any Keras name (`"linear"` for a
            linear autoencoder). Defaults to `"relu"`.
        kernel_initializer: str or dict. Initializer of every Dense kernel,
            anything `keras.initializers.get` takes. Defaults to
            `FAN_IN_UNIFORM`: uniform in +-1/sqrt(fan_in), PyTorch's
            `nn.Linear` default. With Keras' `"glorot_uniform"` a VAE on
            binarized MNIST is 3.7 nats worse after 20 epochs (IW-NLL 104.7
            vs 101.0; equal after 100).
    """

    options = {"hidden_units": (512, 256), "activation": "relu",
               "kernel_initializer": FAN_IN_UNIFORM}
    xla_on_cpu = True

    def check_options(self, input_shape, options):
        units = options["hidden_units"]
        if isinstance(units, numbers.Integral):
            units = (units,)
        units = tuple(units)
        if any(isinstance(u, bool) or not isinstance(u, numbers.Integral) or u < 1 for u in units):
            raise ValueError(
                "`hidden_units` must be a tuple of positive integers. "
                f"Received: hidden_units={options['hidden_units']!r}"
            )
        try:
            keras.activations.get(options["activation"])
        except (ValueError, TypeError):
            raise ValueError(
                "`activation` must be a Keras activation name such as 'relu' or 'linear'. "
                f"Received: activation={options['activation']!r}"
            ) from None
        return {"hidden_units": tuple(int(u) for u in units), "activation": options["activation"],
                "kernel_initializer": checked_initializer(options)}

    def encoder(self, input_shape, output_dim, options, dropout=0.0, kernel_l2=0.0):
        inputs = keras.Input(shape=input_shape, name="x")
        h = keras.layers.Flatten()(inputs)
        for units in options["hidden_units"]:
            h = maybe_dropout(_dense(units, options, kernel_l2, options["activation"])(h), dropout)
        outputs = _dense(output_dim, options, kernel_l2)(h)
        return keras.Model(inputs, outputs, name="encoder")

    def decoder(self, latent_dim, output_shape, options, dropout=0.0, kernel_l2=0.0):
        inputs = keras.Input(shape=(latent_dim,), name="z")
        h = inputs
        for units in reversed(options["hidden_units"]):
            h = maybe_dropout(_dense(units, options, kernel_l2, options["activation"])(h), dropout)
        h = _dense(math.prod(output_shape), options, kernel_l2)(h)
        outputs = keras.layers.Reshape(output_shape)(h)
        return keras.Model(inputs, outputs, name="decoder")


def _dense(units, options, kernel_l2, activation=None):
    return keras.layers.Dense(units, activation=activation, **kernel_arguments(options, kernel_l2))
