"""The interface every backbone implements."""

import keras


class Backbone:
    """A pair of network builders, `(encoder, decoder)`, that knows no objective.

    A subclass sets `options` (its option names and defaults, saved in every
    model's config) and implements `encoder` and `decoder`. It is registered
    with `@register_backbone(name)`.
    """

    name = None
    options = {}

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


def regularizer(kernel_l2):
    """Returns an L2 kernel regularizer, or None when the weight is zero."""
    return keras.regularizers.L2(kernel_l2) if kernel_l2 else None


def maybe_dropout(tensor, rate):
    """Applies dropout when `rate` is positive."""
    return keras.layers.Dropout(rate)(tensor) if rate else tensor
