"""The interface every backbone implements."""

import copy

import keras

# PyTorch's `nn.Linear` / `nn.Conv*` default scale: uniform in +-1/sqrt(fan_in)
# (limit = sqrt(3 * scale / fan_in)). Keras' Glorot shrinks layers whose fan-out
# is far above their fan-in, such as a decoder's first Dense (latent 16 in,
# 512 or 3,136 out): z then barely moves the decoder at the start.
FAN_IN_UNIFORM = {"class_name": "VarianceScaling",
                  "config": {"scale": 1.0 / 3.0, "mode": "fan_in", "distribution": "uniform"}}


class Backbone:
    """A pair of network builders, `(encoder, decoder)`, that knows no objective.

    A subclass sets `options` (its option names and defaults, saved in every
    model's config) and implements `encoder` and `decoder`. It is registered
    with `@register_backbone(name)`.

    Grid mode (used by `vq_vae`, which quantizes each position of a grid of
    code vectors): `grid_shape`, `grid_encoder` and `grid_decoder`. The
    default, for backbones without a spatial grid (`mlp`, `recurrent`), is
    `slots` code vectors: the vector encoder with `slots * code_dim` outputs,
    reshaped to `(slots, code_dim)`, and the vector decoder on the flattened
    slots. `conv` overrides it with its downsampled feature map.
    """

    name = None
    options = {}
    # Whether XLA (`jit_compile=True`) speeds training up on a CPU: measured per
    # backbone (bench/train_throughput: mlp x1.13-1.18, conv x0.41-0.43).
    xla_on_cpu = False

    def check_options(self, input_shape, options):
        """Returns validated options; raises `ValueError` on a bad value."""
        return dict(options)

    def encoder(self, input_shape, output_dim, options, dropout=0.0, kernel_l2=0.0):
        """Returns a `keras.Model` mapping `(batch,) + input_shape` to `(batch, output_dim)`."""
        raise NotImplementedError

    def decoder(self, latent_dim, output_shape, options, dropout=0.0, kernel_l2=0.0):
        """Returns a `keras.Model` mapping `(batch, latent_dim)` to `(batch,) + output_shape`.

        The output is unconstrained (logits or means); the variant applies
        the output distribution.
        """
        raise NotImplementedError

    # ----------------------------------------------------------- grid mode

    def grid_shape(self, input_shape, code_dim, options, slots=1):
        """Shape of the code grid, `positions + (code_dim,)`, without the batch axis."""
        return (slots, code_dim)

    def grid_encoder(self, input_shape, code_dim, options, dropout=0.0, kernel_l2=0.0, slots=1):
        """Returns a `keras.Model` mapping inputs to a grid of code vectors."""
        flat = self.encoder(input_shape, slots * code_dim, options, dropout, kernel_l2)
        inputs = keras.Input(shape=input_shape, name="x")
        outputs = keras.layers.Reshape((slots, code_dim))(flat(inputs))
        return keras.Model(inputs, outputs, name="grid_encoder")

    def grid_decoder(self, grid_shape, output_shape, options, dropout=0.0, kernel_l2=0.0):
        """Returns a `keras.Model` mapping a grid of code vectors to raw outputs."""
        size = 1
        for d in grid_shape:
            size *= d
        flat = self.decoder(size, output_shape, options, dropout, kernel_l2)
        inputs = keras.Input(shape=grid_shape, name="z")
        outputs = flat(keras.layers.Flatten()(inputs))
        return keras.Model(inputs, outputs, name="grid_decoder")


def checked_initializer(options):
    """Returns `options["kernel_initializer"]` once Keras accepts it; raises `ValueError`."""
    value = options["kernel_initializer"]
    try:
        keras.initializers.get(copy.deepcopy(value))
    except (ValueError, TypeError):
        raise ValueError(
            "`kernel_initializer` must be a Keras initializer name or config such as "
            f"'glorot_uniform'. Received: kernel_initializer={value!r}"
        ) from None
    return value


def kernel_arguments(options, kernel_l2):
    """`kernel_initializer` and `kernel_regularizer` keyword arguments of one new layer."""
    # A fresh initializer per layer: a shared seeded instance would repeat one draw.
    return {"kernel_initializer": keras.initializers.get(
                copy.deepcopy(options["kernel_initializer"])),
            "kernel_regularizer": regularizer(kernel_l2)}


def regularizer(kernel_l2):
    """Returns an L2 kernel regularizer, or None when the weight is zero."""
    return keras.regularizers.L2(kernel_l2) if kernel_l2 else None


def maybe_dropout(tensor, rate):
    """Applies dropout when `rate` is positive."""
    return keras.layers.Dropout(rate)(tensor) if rate else tensor
