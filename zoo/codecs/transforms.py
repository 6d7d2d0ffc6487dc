"""Analysis and synthesis transforms: fully convolutional Keras models, no coding.

Images (Balle et al. 2017): strided 5x5 convolutions with GDN, 4x
downsampling, any height and width (a multiple of 4 after padding). Audio:
strided Conv1D stacks with ELU over a mono waveform; the hop is the product
of the strides. The transforms know nothing about entropy coding.
"""

import keras

from zoo.codecs.gdn import GDN


def image_transforms(channels=1, filters=64, latent_channels=16):
    """`(analysis, synthesis, stride)` for images of `channels` channels.

    Args:
        channels: int. Image channels.
        filters: int. Hidden channels.
        latent_channels: int. Latent channels `M`.

    Returns:
        Two `keras.Model`s (`(1, H, W, C)` -> `(1, H/4, W/4, M)` and back) and the stride 4.
    """
    x = keras.Input((None, None, channels), name="x")
    h = keras.layers.Conv2D(filters, 5, strides=2, padding="same")(x)
    h = GDN()(h)
    h = keras.layers.Conv2D(filters, 5, strides=2, padding="same")(h)
    h = GDN()(h)
    y = keras.layers.Conv2D(latent_channels, 5, padding="same", name="y")(h)
    analysis = keras.Model(x, y, name="analysis")

    z = keras.Input((None, None, latent_channels), name="y_hat")
    h = keras.layers.Conv2DTranspose(filters, 5, padding="same")(z)
    h = GDN(inverse=True)(h)
    h = keras.layers.Conv2DTranspose(filters, 5, strides=2, padding="same")(h)
    h = GDN(inverse=True)(h)
    out = keras.layers.Conv2DTranspose(channels, 5, strides=2, padding="same", name="x_hat")(h)
    synthesis = keras.Model(z, out, name="synthesis")
    return analysis, synthesis, 4


def audio_transforms(strides=(2, 4, 5, 8), filters=(32, 64, 128, 256), latent_channels=32):
    """`(analysis, synthesis, hop)` for a mono waveform.

    Args:
        strides: tuple of int. Downsampling per block; the hop is their product.
        filters: tuple of int. Channels per block.
        latent_channels: int. Latent channels `M` per frame.

    Returns:
        Two `keras.Model`s (`(1, T, 1)` -> `(1, T/hop, M)` and back) and the hop.
    """
    x = keras.Input((None, 1), name="x")
    h = keras.layers.Conv1D(filters[0] // 2, 7, padding="same", activation="elu")(x)
    for stride, width in zip(strides, filters, strict=False):
        h = keras.layers.Conv1D(width, 2 * stride, strides=stride, padding="same",
                                activation="elu")(h)
        h = keras.layers.Conv1D(width, 3, padding="same", activation="elu")(h)
    y = keras.layers.Conv1D(latent_channels, 3, padding="same", name="y")(h)
    analysis = keras.Model(x, y, name="analysis")

    z = keras.Input((None, latent_channels), name="y_hat")
    h = keras.layers.Conv1D(filters[-1], 3, padding="same", activation="elu")(z)
    for stride, width in zip(reversed(strides), reversed(filters), strict=False):
        h = keras.layers.Conv1DTranspose(width, 2 * stride, strides=stride, padding="same",
                                         activation="elu")(h)
        h = keras.layers.Conv1D(width, 3, padding="same", activation="elu")(h)
    out = keras.layers.Conv1D(1, 7, padding="same", name="x_hat")(h)
    synthesis = keras.Model(z, out, name="synthesis")
    hop = 1
    for stride in strides:
        hop *= stride
    return analysis, synthesis, hop
